"""The style plane: a canvas of the test set's codes under q(z|x, y), whose JavaScript decodes the point under the
pointer for all ten classes in the browser, from the conditional decoder's weights as float32 bytes (for a shipped
checkpoint a published file the browser fetches once, as the explorer's: app_pages/explorer/component.py)."""
from pathlib import Path

import streamlit as st

from ui.figures import DIGIT_COLOURS
from ui.models import checkpoint, encoded_test_set, stamp
from vae.serve.browser_values import BrowserValueError, read_z
from vae.serve.explorer import class_decoder_layers, square_view
from vae.serve.payload import pack, pack_published

ASSETS = Path(__file__).resolve().parent / "assets"
SHARED = Path(__file__).resolve().parents[2] / "ui" / "assets"  # the explorer's decoder and plane
RENDER = st.components.v2.component(
    "vae_style_plane",
    js="\n".join([*((SHARED / f).read_text() for f in ("decoder.js", "latent_plane.js", "plane_input.js")),
                  (ASSETS / "style.js").read_text()]),
    css=(ASSETS / "style.css").read_text())


def build_payload(name: str, model, enc: dict, mine: tuple | None, start: tuple | None, only: int = -1,
                  shared: bool = False) -> bytes:
    """The decoder (its first layer's bias once per class), the encoded test set, the user's digit's q(z|x, y), the
    point to decode before the user picks one (the link's), and the one class whose codes are shown (-1: all)."""
    layers, class_bias = class_decoder_layers(model)
    header = {"name": name, "n": len(enc["mu"]), "view": square_view(enc["mu"]), "colours": list(DIGIT_COLOURS),
              "classes": list(enc["classes"]), "item": enc["item"],
              "layers": [[w.shape[1], w.shape[0]] for w, _ in layers],
              "class_bias": [[float(v) for v in row] for row in class_bias],  # float32 values, exact in JSON
              "mine": mine and {"mu": mine[:2], "std": mine[2:]}, "start": start, "axes": None,
              "only": None if only < 0 else only,
              "names": False}  # no class names at the codes' medians: given y, every class's sit near 0
    arrays = [a for layer in layers for a in layer] + [enc["mu"], enc["label"]]
    # a shipped model's arrays are every student's: a published file, fetched once per browser
    return pack_published(f"plane-{name}", header, arrays) if shared else pack(header, arrays)


@st.cache_data(max_entries=16, show_spinner=False)
def _payload(name: str, stamp: float, mine: tuple | None, start: tuple | None, only: int) -> bytes:
    return build_payload(name, checkpoint(name).model, encoded_test_set(name), mine, start, only, shared=True)


def _mine(q: dict | None) -> tuple | None:
    """The user's digit on the plane: the mean of q(z|x, y) and its standard deviations, rounded for the cache key."""
    return None if q is None else tuple(round(float(v), 6) for v in (*q["mu"][:2], *q["std"][:2]))


def payload(name: str, q: dict | None, start: tuple | None, only: int = -1) -> bytes:
    """The component's data for the shipped conditional checkpoint `name`."""
    return _payload(name, stamp(name), _mine(q), start, only)


def session_payload(label: str, model, enc: dict, q: dict | None, start: tuple | None, only: int = -1) -> bytes:
    """The same for one of this session's own models (not cached: it belongs to this session alone)."""
    return build_payload(label, model, enc, _mine(q), start, only)


def _chosen():
    """Nothing to do: the page reads the new z on the rerun this change starts."""


def style_plane(data: bytes, key: str) -> tuple[float, float] | None:
    """Mount the plane on `data`; the last z the user released the pointer on, or None."""
    result = RENDER(key=key, data=data, default={"z": None}, on_z_change=_chosen)
    try:
        return read_z(result.z)
    except BrowserValueError as exc:
        st.caption(f"⚠️ {exc}")
        return None
