"""A dataset's 10,000 test images as one PNG served by Streamlit's static file server, so that hovering a point on
the explorer's map can show the real test image without sending 7.8 MB of pixels through the websocket.

The browser fetches it once, on the first hover, and keeps it in its HTTP cache across reruns and pages.
"""
import hashlib
import io

import numpy as np
import streamlit as st
from PIL import Image

from ui.models import images
from vae.serve.published import STATIC_DIR, write_atomically  # STATIC_DIR: served at app/static/ too

COLUMNS = 100  # images per row of the atlas: test image i sits at row i // 100, column i % 100


def atlas_png(x: np.ndarray) -> bytes:
    """(n, 28, 28) grey levels in [0, 1], n a multiple of COLUMNS -> PNG bytes of an (n / COLUMNS) x COLUMNS grid."""
    pixels = np.rint(np.asarray(x, dtype=np.float32) * 255).astype(np.uint8)
    rows = len(pixels) // COLUMNS
    grid = pixels.reshape(rows, COLUMNS, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, COLUMNS * 28)
    out = io.BytesIO()
    Image.fromarray(grid, mode="L").save(out, format="PNG")
    return out.getvalue()


@st.cache_resource(show_spinner=False)
def atlas_url(dataset: str = "mnist") -> str | None:
    """The atlas's URL relative to the page (written once per server start if missing or stale), or None if the
    app folder is read-only: the map then shows each point's decoded mean alone."""
    blob = atlas_png(images(dataset).x_test.reshape(-1, 28, 28).numpy())
    path = STATIC_DIR / f"{dataset}-test.png"
    try:
        if not path.is_file() or path.read_bytes() != blob:
            write_atomically(path, blob)
    except OSError:
        return None
    # The content hash in the query string makes a browser refetch only when the pixels change.
    return f"app/static/{path.name}?v={hashlib.sha256(blob).hexdigest()[:12]}"
