"""What the explorer's first run reads, filled when the server starts (ui/warm_start.py): the picker's first
checkpoint encoded, and its decoder and codes published, so that the first of a room arriving together finds the
file on disk (nginx serves it in a hall) and the header in the cache."""
from app_pages.explorer.component import payload
from ui.models import checkpoint, checkpoint_names


def warm():
    name = checkpoint_names()[0]
    if checkpoint(name).model.config.latent_dim == 2:  # a larger space opens on a slice the page picks itself
        payload(name)
