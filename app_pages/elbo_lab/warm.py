"""What the ELBO lab's first runs read, filled when the server starts (ui/warm_start.py): its first model's numbers
for the first digit and those either side (the number box's + and -), and the pool "Random digit" draws from."""
from app_pages.elbo_lab.data import FIRST_DIGIT, compute_ahead, shipped
from app_pages.elbo_lab.draws import AT_START, grow


def warm():
    name = shipped()[0]
    for index in (FIRST_DIGIT, FIRST_DIGIT + 1, FIRST_DIGIT - 1):
        compute_ahead(name, index, 0, 0)
    for _ in range(AT_START):
        grow()
