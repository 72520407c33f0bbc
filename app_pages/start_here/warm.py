"""What the lesson's first run reads, filled when the server starts (ui/warm_start.py): the first step's map, in
both sizes (presenter mode off and on), for the default dataset."""
from app_pages.start_here.data import PAIRS
from app_pages.start_here.nav import sizes
from app_pages.start_here.sections_ae import code_map
from ui.models import stamp


def warm():
    name = PAIRS["mnist"][0]
    for size in (sizes(False), sizes(True)):
        code_map(name, stamp(name), None, size["height"], size["font"], "mnist")
