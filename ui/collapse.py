"""Which latent dimensions a model uses (vae/collapse.py): each dimension's KL and the active units, measured once per
checkpoint file on its 10,000 test images and cached, with the bar chart and the short panel that show them."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch.nn.functional as F

from ui.models import checkpoint, images, stamp
from vae.collapse import ACTIVE_THRESHOLD, collapse_measures
from vae.trainer import eval_targets

ACTIVE, INACTIVE = "#1f77b4", "#b0b0b0"


def measures_of(model, train_config) -> dict:
    """collapse_measures on the test images the model is scored on (a binarized model's: its fixed binarization)."""
    data = images(train_config.dataset)
    y = F.one_hot(data.y_test, 10).float() if getattr(model.config, "conditional", False) else None
    return collapse_measures(model, eval_targets(data, train_config), y)


@st.cache_data(max_entries=64, show_spinner="Measuring each latent dimension on the 10,000 test images...")
def _measures(name: str, stamp: float) -> dict:
    ckpt = checkpoint(name)
    return measures_of(ckpt.model, ckpt.train_config)


def measures(name: str) -> dict:
    """A checkpoint's KL per dimension (None for an autoencoder), activity A_u per dimension and active units."""
    return _measures(name, stamp(name))


def by_kl(m: dict) -> np.ndarray:
    """The dimensions, the most informative first (by KL; an autoencoder's by activity)."""
    return np.argsort(-(m["activity"] if m["kl"] is None else m["kl"]), kind="stable")


def kl_bars(m: dict, free_bits: float = 0.0, height: int = 300) -> go.Figure:
    """Each dimension's KL, sorted, blue when the unit is active and grey when it is not."""
    order, variational = by_kl(m), m["kl"] is not None
    values = m["kl"] if variational else m["activity"]
    active = m["activity"][order] > m["threshold"]
    fig = go.Figure(go.Bar(
        x=[f"z{u + 1}" for u in order], y=values[order].tolist(),
        marker_color=[ACTIVE if a else INACTIVE for a in active],
        customdata=np.stack([order + 1, m["activity"][order]], -1).tolist(),
        hovertemplate="z%{customdata[0]}: %{y:.3f}" + (" nats" if variational else "")
                      + "<br>A = %{customdata[1]:.4f}<extra></extra>"))
    if variational and free_bits > 0:
        fig.add_hline(y=free_bits, line_dash="dot", line_color="#d62728", annotation_text="free bits",
                      annotation_position="top right")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, bargap=0.15,
                      xaxis_title="latent dimension, most informative first",
                      yaxis_title="KL, nats per image" if variational else "A_u, variance of the code")
    fig.update_xaxes(type="category")
    return fig


def collapse_panel(m: dict, free_bits: float, key: str) -> None:
    """The active units as a number, each dimension's KL as sorted bars, and what they mean."""
    d = len(m["activity"])
    st.metric("Active units", f"{m['active']} of {d}",
              help=f"Burda et al. (2016): dimension u is active when A_u = Cov_x(E_q[z_u]) > {ACTIVE_THRESHOLD}, "
                   "i.e. when its mean moves with the image.")
    st.plotly_chart(kl_bars(m, free_bits), key=key)
    if m["kl"] is None:
        st.caption("A plain autoencoder has no KL term: the bars are each dimension's activity A_u, the variance of "
                   "its code over the test images.")
        return
    total = float(m["kl"].sum())
    st.caption(f"KL(q(z_u|x) ‖ N(0, 1)) of each dimension u in closed form, averaged over the {m['images']:,} test "
               f"images; together {total:.2f} nats, the model's KL. Grey: an inactive unit, whose mean stays put "
               f"whatever the image (A_u ≤ {ACTIVE_THRESHOLD}): the decoder learns to ignore it, and the KL pushes "
               "it onto the prior." + (f" Red dotted: the {free_bits:g} nat of free bits per dimension it was "
                                       "trained with, below which KL was not charged." if free_bits > 0 else ""))

