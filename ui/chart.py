"""The canvas chart component (assets/chart.js says what it draws, from what data; chart_draw.js draws it) and
helpers that turn arrays into its data. It serves the figures the app redraws often: the Train page's live views,
twice a second while a model trains, the ELBO lab's four figures on a test digit, all four at every new digit, and the
lesson's maps, the first figure a room sees (plotly.js takes a browser about 2 s to start). The figures a student zooms
into or hovers over at leisure stay plotly."""
import base64
import functools
from pathlib import Path

import numpy as np
import streamlit as st

ASSETS = Path(__file__).resolve().parent / "assets"
CHART_JS = ("chart_draw.js", "chart_frame.js", "chart.js")  # a component that draws charts itself takes the first two
# Colorbrewer's "Blues", plotly's colorscale of that name: light for little density, dark for much.
BLUES = [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198],
         [33, 113, 181], [8, 81, 156], [8, 48, 107]]


@functools.cache
def _component():
    js = "\n".join((ASSETS / f).read_text() for f in CHART_JS)  # one module: drawing, then entry
    return st.components.v2.component("vae_chart", js=js, css=(ASSETS / "chart.css").read_text())


def chart(data: dict, key: str, height="content") -> None:
    _component()(key=key, data=data, height=height)


def rounded(values, decimals: int = 3) -> list:
    """Numbers for the browser: `decimals` places (a fifth of the bytes of full floats), None where not finite (JSON
    has no NaN; the chart breaks a line there)."""
    v = np.round(np.asarray(values, dtype=np.float64), decimals)
    return [x if np.isfinite(x) else None for x in v.tolist()]


def packed(values) -> dict:
    """Many numbers for the browser as one string: int16 steps of the largest magnitude / 32,767 (a 30,000th of the
    range, far under a pixel), little-endian, in base64. A latent map's 10,000 codes as JSON lists cost the server
    tens of milliseconds on every run that draws them; a string, a fraction of one (chart_frame.js unpacks it)."""
    v = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(v).max()) / 32767 if v.size and np.abs(v).max() > 0 else 1.0
    steps = np.round(v / scale).astype("<i2")
    return {"i16": base64.b64encode(steps.tobytes()).decode(), "scale": scale}


def unpacked(value) -> np.ndarray:
    """What the browser reads from packed(values): for tests."""
    return np.frombuffer(base64.b64decode(value["i16"]), "<i2") * value["scale"]


def image_layer(values: np.ndarray, x, y, colours=BLUES) -> dict:
    """A shaded grid for a panel: values[i, j] in [0, 1] at x[j], y[i] (rows along y, evenly spaced cell centres),
    sent as a byte a cell."""
    cells = np.clip(np.round(np.asarray(values) * 255), 0, 255).astype(np.uint8)
    return {"x": [float(x[0]), float(x[-1])], "y": [float(y[0]), float(y[-1])], "cols": cells.shape[1],
            "rows": cells.shape[0], "values": base64.b64encode(cells.tobytes()).decode(), "colours": colours}
