"""The latent explorer component: a canvas map of the encoded test set whose JS decodes the point under the
pointer in the browser, from the decoder's weights as float32 bytes.

For a shipped checkpoint, the weights and the codes (0.9 MB) are a published file named by their content
(vae/serve/payload.py): the websocket carries a header of a few hundred bytes, and each browser fetches the file once,
from nginx in a hall. The header depends only on the checkpoint, the user's own digit and the link's point, so it is
identical on every rerun, and Streamlit sends the browser a reference to the element it already holds.
"""
from pathlib import Path

import numpy as np
import streamlit as st

from ui.figures import DIGIT_COLOURS
from ui.models import checkpoint, encoded_test_set, stamp
from app_pages.explorer.atlas import COLUMNS, atlas_url
from vae.latent import prior_quantiles, project
from vae.serve.browser_values import BrowserValueError, read_z
from vae.serve.explorer import decoder_layers, square_view
from vae.serve.payload import pack, pack_published

ASSETS = Path(__file__).resolve().parent / "assets"
SHARED = Path(__file__).resolve().parents[2] / "ui" / "assets"  # the decoder and the plane, shared with Class and style
# One ES module: the helpers first, then the file with the default export.
RENDER = st.components.v2.component(
    "vae_latent_explorer",
    js="\n".join([*((SHARED / f).read_text() for f in ("decoder.js", "latent_plane.js", "plane_input.js")),
                  *((ASSETS / f).read_text() for f in ("layout.js", "path.js", "explorer.js"))]),
    css=(ASSETS / "explorer.css").read_text())
GRID_N = 16  # cells per side of the decoded grid


def build_payload(name: str, model, enc: dict, mine: tuple | None, start: tuple | None, plane=None,
                  shared: bool = False) -> bytes:
    """Everything the browser needs for one model: its decoder, the encoded test set, the grids, the atlas, and the
    point to decode before the user picks one (from the link, fixed for the session: the bytes stay the same).
    For a latent space of more than two dimensions, `plane` is the slice the map shows: the decoder's first layer is
    folded onto it and the codes are projected onto it."""
    layers = decoder_layers(model, plane)
    mu = enc["mu"] if plane is None else project(plane, enc["mu"])
    header = {"name": name, "n": len(mu), "view": square_view(mu), "colours": list(DIGIT_COLOURS),
              "classes": list(enc["classes"]), "item": enc["item"],
              "layers": [[w.shape[1], w.shape[0]] for w, _ in layers],
              "grid": GRID_N, "quantiles": prior_quantiles(GRID_N),
              "atlas": atlas_url(enc["dataset"]), "columns": COLUMNS,
              "mine": mine and {"mu": mine[:2], "std": mine[2:]}, "start": start,
              "axes": None if plane is None else plane.get("names")}
    arrays = [a for layer in layers for a in layer] + [mu, enc["label"]]
    # a shipped model's arrays are every student's: a published file, fetched once per browser
    return pack_published(f"plane-{name}", header, arrays) if shared else pack(header, arrays)


@st.cache_data(max_entries=16, show_spinner=False)
def _payload(name: str, stamp: float, mine: tuple | None, start: tuple | None, cut: tuple | None, _plane) -> bytes:
    # `cut` names the slice in the cache key; `_plane`, computed from it, is left out of the hashing
    return build_payload(name, checkpoint(name).model, encoded_test_set(name), mine, start, _plane, shared=True)


def _mine(q: dict | None, plane) -> tuple | None:
    """q(z|x) of the user's digit on the map: its mean projected, and its spread along each of the map's axes."""
    if q is None:
        return None
    mu, std = np.asarray(q["mu"], dtype=np.float64), np.asarray(q["std"], dtype=np.float64)
    if plane is not None:
        mu, std = project(plane, mu[None])[0], np.sqrt(plane["axes"] ** 2 @ std ** 2)
    return tuple(round(float(v), 6) for v in (*mu[:2], *std[:2]))


def payload(name: str, q: dict | None = None, start: tuple | None = None, cut: tuple | None = None,
            plane: dict | None = None) -> bytes:
    """The component's data for shipped checkpoint `name`, with q(z|x) of the user's own digit if there is one,
    on the slice `cut` of a latent space larger than two, whose `plane` is app_pages.explorer.slices.plane_of."""
    return _payload(name, stamp(name), _mine(q, plane), start, cut, plane)


def session_payload(label: str, model, enc: dict, q: dict | None = None, start: tuple | None = None,
                    plane: dict | None = None) -> bytes:
    """The same for one of this session's own models (not cached: it belongs to this session alone)."""
    return build_payload(label, model, enc, _mine(q, plane), start, plane)


def _chosen():
    """Nothing to do: the page reads the new z on the rerun this change starts."""


def latent_explorer(data: bytes, key: str) -> tuple[float, float] | None:
    """Mount the explorer on `data` (from `payload` or `session_payload`); the last z the user released the
    pointer on, or None."""
    result = RENDER(key=key, data=data, default={"z": None}, on_z_change=_chosen)  # as tall as its map
    try:
        return read_z(result.z)
    except BrowserValueError as exc:
        st.caption(f"⚠️ {exc}")
        return None
