"""The page's third section: posterior collapse. Each dimension's KL and the active units of every model of the size
ladder, and a model of the ladder beside its twin trained without free bits, each dimension traversed."""
from functools import partial

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from app_pages.latent_size.data import mosaic
from ui.collapse import by_kl, collapse_panel, measures
from ui.models import checkpoint, encoded_test_set, stamp
from ui.shared_figure import shared_elements
from vae.collapse import traversal
from vae.serve.query import read_name, read_whole

STEPS = np.linspace(-3, 3, 7)  # where each traversed dimension goes, in prior standard deviations
N_TEST = 10_000


def collapse_fields(names) -> dict:
    """The section's view in a link: the checkpoint whose bars it shows, and the test digit the traversals start at."""
    return {"dims": ("latent_size_collapse", partial(read_name, names=names)),
            "digit": ("latent_size_traverse_digit", partial(read_whole, lo=0, hi=N_TEST - 1))}


@st.cache_data(max_entries=32, show_spinner="Decoding each dimension's traversal...")
def traversals(name: str, stamp: float, digit: int | None) -> np.ndarray:
    """(D, len(STEPS), 28, 28): dimension u, most informative first, moved over STEPS while the others stay at test
    digit `digit`'s posterior mean (at 0, the prior's centre, for None)."""
    model = checkpoint(name).model
    d = model.config.latent_dim
    z0 = torch.zeros(d) if digit is None else torch.from_numpy(encoded_test_set(name)["mu"][digit])
    return np.stack([traversal(model, z0, int(u), STEPS).numpy() for u in by_kl(measures(name))])


def traversal_figure(name: str, digit: int | None) -> go.Figure:
    m, pictures = measures(name), traversals(name, stamp(name), digit)
    tiles = np.round(mosaic(list(pictures)) * 255).astype(np.uint8)  # a byte a pixel: a fifth of the page's bytes
    order = by_kl(m)
    rows = [i * 30 + 14 for i in range(len(order))]
    labels = [f"z{u + 1} · {m['kl'][u]:.2f}" + ("" if m["activity"][u] > m["threshold"] else " ✗") for u in order]
    fig = go.Figure(go.Heatmap(z=tiles, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed", tickvals=rows, ticktext=labels, scaleanchor="x", showgrid=False,
                     zeroline=False)
    fig.update_xaxes(tickvals=[j * 30 + 14 for j in range(len(STEPS))], ticktext=[f"{v:g}" for v in STEPS],
                     title="z_u (the others held)", showgrid=False, zeroline=False, side="top")
    fig.update_layout(height=70 + 42 * len(order), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def ladder_rows(names) -> list[dict]:
    rows = []
    for name in names:
        ckpt, m = checkpoint(name), measures(name)
        kl = np.sort(m["kl"])[::-1]
        rows.append({"checkpoint": name, "latent size": ckpt.config.latent_dim,
                     "free bits": ckpt.train_config.free_bits, "active units": m["active"],
                     "KL, nats": round(float(kl.sum()), 2),
                     "KL per dimension, largest first": " · ".join(f"{v:.2f}" for v in kl)})
    return rows


def collapse_section(sizes, twins: dict) -> dict:
    """Returns the section's view, for the page's link. What is the same for everyone who sees the same is drawn from
    the messages made for the first of them (ui/shared_figure.shared_elements)."""
    names = sizes + [t for t in twins.values() if t not in sizes]
    shared_elements(_collapse_measured, tuple(names), key=tuple(map(stamp, names)))
    pick_col, bars_col = st.columns([1, 3], gap="large")
    with pick_col:
        name = st.selectbox("KL per dimension of", names, key="latent_size_collapse")
        ckpt = checkpoint(name)
        st.caption(f"Latent size {ckpt.config.latent_dim} · free bits {ckpt.train_config.free_bits:g} · "
                   f"KL warm-up {ckpt.train_config.kl_warmup_epochs:g} epochs")
    with bars_col:
        shared_elements(_kl_bars, name, ckpt.train_config.free_bits, key=(stamp(name),))
    digit = None
    if twins:
        digit = traversal_pair(*next(iter(twins.items())))
    return {"dims": name, **({} if digit is None else {"digit": str(digit)})}


def _kl_bars(name: str, free_bits: float):
    collapse_panel(measures(name), free_bits, key="latent_size_collapse_bars")


def _collapse_measured(names: tuple):
    st.header("3 · Dimensions that carry nothing")
    st.write(
        "The KL of a diagonal Gaussian is a sum over the latent dimensions, so each dimension's share of the rate can "
        "be read off. A dimension whose q(z_u|x) is the prior N(0, 1) for every image costs nothing and says "
        "nothing: the decoder ignores it. This is **posterior collapse** (Kingma & Welling 2019, §2.8), and "
        "Burda et al. (2016) count what escapes it: a unit is **active** when its posterior mean moves with the image, "
        "A_u = Cov_x(E_q[z_u]) > 0.01. Early in training the KL is easy to win and the decoder still poor, so the "
        "optimiser switches dimensions off and they rarely come back; one nat of **free bits** per dimension (no KL "
        "charged below it) or a **KL warm-up** keeps them on.")
    st.dataframe(ladder_rows(names), hide_index=True, key="latent_size_collapse_table")
    st.caption("Measured on the 10,000 test digits. KL: closed form, nats per image.")


def traversal_pair(kept: str, collapsed: str) -> int | None:
    st.subheader(f"Each dimension moved: `{kept}` beside `{collapsed}`")
    st.write(
        f"The same {checkpoint(kept).config.latent_dim}-D model, trained the same way, with and without free bits. "
        "Each row decodes the code of one test digit while one dimension alone runs from −3 to 3 (the rows are the "
        "dimensions, the most informative first, labelled with their KL in nats; ✗ marks an inactive unit). A row "
        "that does not change is a dimension the decoder does not read.")
    held = st.toggle("Hold the others at a test digit's code (off: at 0, the prior's centre)", value=True,
                     key="latent_size_traverse_held")
    digit = int(st.number_input("Test digit", 0, N_TEST - 1, 0, key="latent_size_traverse_digit",
                                disabled=not held)) if held else None
    for col, name in zip(st.columns(2, gap="large"), (kept, collapsed)):
        with col:
            shared_elements(_traversed, name, digit, key=(stamp(name),))
    return digit


def _traversed(name: str, digit: int | None):
    m = measures(name)
    st.markdown(f"**`{name}`** · free bits {checkpoint(name).train_config.free_bits:g} · "
                f"{m['active']} of {len(m['activity'])} units active · KL {float(m['kl'].sum()):.2f} nats")
    st.plotly_chart(traversal_figure(name, digit), key=f"latent_size_traverse_{name}")
