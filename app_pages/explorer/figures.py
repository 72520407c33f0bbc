"""Grey images for the explorer page, drawn by a small canvas component: plotly's bundle would add most of a
second to the page's first load."""
from pathlib import Path

import numpy as np
import streamlit as st

RENDER = st.components.v2.component(
    "vae_digit_view", js=(Path(__file__).resolve().parent / "assets" / "digit_view.js").read_text())


def digit_view(image: np.ndarray, key: str, width: int, decimals: int | None = None) -> None:
    """An image (H, W) in [0, 1], white ink on black as MNIST stores digits, `width` CSS pixels wide.
    The pixels travel as float32 values written out in full (exactly what was computed), or rounded to
    `decimals` places for a large image."""
    h, w = image.shape
    pixels = np.asarray(image, np.float32)
    pixels = pixels.tolist() if decimals is None else np.round(pixels.astype(np.float64), decimals).tolist()
    RENDER(key=key, data={"w": w, "h": h, "width": width, "pixels": pixels}, height=round(width * h / w))


def mosaic(images: np.ndarray, cols: int) -> np.ndarray:
    """Images (n, 28, 28) side by side in rows of `cols`, one pixel of black between them."""
    rows = -(-len(images) // cols)
    canvas = np.zeros((rows * 29 - 1, cols * 29 - 1), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        canvas[29 * r:29 * r + 28, 29 * c:29 * c + 28] = image
    return canvas
