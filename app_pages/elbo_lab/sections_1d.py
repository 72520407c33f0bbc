"""The ELBO lab's one-dimensional sections: probability vs likelihood, and KL's two directions."""
import streamlit as st
import torch

from app_pages.elbo_lab.sections import show_source
from app_pages.elbo_lab.figures_1d import kl_fit_figure, likelihood_figure, probability_figure
from ui.shared_figure import shared_elements
from vae.one_dim import (fit_forward_kl, fit_reverse_kl, interval_probability, kl_on_grid, log_mixture, log_normal,
                      normal_pdf)


@st.fragment
def probability_section():
    st.header("5 · Probability or likelihood?")
    st.write(
        "Mouse weights follow a normal curve with mean 32 g and standard deviation 2.5 g. A probability "
        "fixes the curve and asks about data: the chance of a weight between two values is the area under "
        "the curve. A likelihood fixes the data and asks about the curve: for an observed 34 g mouse, it is "
        "the curve's height at 34, read as a score for the mean and deviation. Training maximises likelihoods.")
    st.latex(r"P(a < w < b \mid \mu, \sigma) = \int_a^b \mathcal{N}(w; \mu, \sigma^2)\,dw"
             r"\qquad L(\mu, \sigma \mid w) = \mathcal{N}(w; \mu, \sigma^2)")
    c1, c2, c3, c4 = st.columns(4)
    mean = c1.slider("mean μ (g)", 20.0, 44.0, 32.0, 0.5, key="elbo_lab_mouse_mean")
    std = c2.slider("standard deviation σ (g)", 0.5, 6.0, 2.5, 0.1, key="elbo_lab_mouse_std")
    a, b = c3.slider("interval (g)", 20.0, 44.0, (32.0, 34.0), 0.5, key="elbo_lab_mouse_interval")
    w = c4.slider("observed weight (g)", 20.0, 44.0, 34.0, 0.5, key="elbo_lab_mouse_weight")
    shared_elements(_probability_view, mean, std, a, b, w)
    show_source(interval_probability, normal_pdf)


def _probability_view(mean: float, std: float, a: float, b: float, w: float):
    """The section's figures and numbers for the sliders' values: the same for everyone who sets the same."""
    left, right = st.columns(2, gap="large")
    with left:
        st.plotly_chart(probability_figure(mean, std, a, b), key="elbo_lab_probability_chart")
        st.metric(f"P({a:g} < w < {b:g} | μ = {mean:g}, σ = {std:g})", f"{interval_probability(a, b, mean, std):.4f}",
                  help="A probability: no unit, between 0 and 1.")
    with right:
        st.plotly_chart(likelihood_figure(mean, std, w), key="elbo_lab_likelihood_chart")
        st.metric(f"L(μ = {mean:g}, σ = {std:g} | w = {w:g})", f"{normal_pdf(w, mean, std):.4f} per g",
                  help="A density: per gram, and it can exceed 1 when σ is small.")


@st.cache_data(max_entries=64, show_spinner=False)
def _kl_fits(separation: float, weight: float) -> dict:
    weights, means, stds = (weight, 1 - weight), (-separation / 2, separation / 2), (0.7, 0.7)
    grid = torch.linspace(-12, 12, 1201)
    dx = (grid[1] - grid[0]).item()
    log_p = log_mixture(grid, weights, means, stds)
    forward = fit_forward_kl(weights, means, stds)
    reverse = fit_reverse_kl(weights, means, stds)
    table = {}
    for label, (m, s) in (("argmin KL(p‖q)", forward), ("argmin KL(q‖p)", reverse)):
        log_q = log_normal(grid, m, s)
        table[label] = (m, s, kl_on_grid(log_p, log_q, dx), kl_on_grid(log_q, log_p, dx))
    return {"grid": grid.numpy(), "p": log_p.exp().numpy(), "forward": forward, "reverse": reverse, "table": table}


def kl_figure(separation: float, weight: float):
    fits = _kl_fits(separation, weight)
    return kl_fit_figure(fits["grid"], fits["p"], fits["forward"], fits["reverse"])


@st.fragment
def kl_section():
    st.header("6 · KL divergence has a direction")
    st.write(
        "KL(p‖q) averages log p/q under p, so q is punished wherever p has mass and q has little: the best "
        "Gaussian spreads over both modes. KL(q‖p) averages under q, so q is punished only where it puts its "
        "own mass: the best Gaussian hides inside one mode. The ELBO uses KL(q‖p(z|x)), which is why the "
        "encoder's q tends to sit inside the posterior rather than cover it. Neither is ever negative, and "
        "zero only when the two distributions are equal: slide the separation to 0 to see it.")
    st.latex(r"\mathrm{KL}(p\,\|\,q) = \int p(x) \log\frac{p(x)}{q(x)}\,dx \;\ne\; \mathrm{KL}(q\,\|\,p)")
    c1, c2 = st.columns(2)
    separation = c1.slider("distance between the modes", 0.0, 8.0, 5.0, 0.5, key="elbo_lab_kl_separation")
    weight = c2.slider("weight of the left mode", 0.1, 0.9, 0.5, 0.05, key="elbo_lab_kl_weight")
    shared_elements(_kl_view, separation, weight)
    show_source(fit_forward_kl, fit_reverse_kl)


def _kl_view(separation: float, weight: float):
    """The section's figure and table for the sliders' values: the same for everyone who sets the same."""
    fits = _kl_fits(separation, weight)
    fig_col, num_col = st.columns([5, 4], gap="large")
    fig_col.plotly_chart(kl_figure(separation, weight), key="elbo_lab_kl_chart")
    num_col.table({"fit": list(fits["table"]),
                   "q": [f"N({m:.2f}, {s:.2f}²)" for m, s, _, _ in fits["table"].values()],
                   "KL(p‖q), nats": [f"{v[2]:.3f}" for v in fits["table"].values()],
                   "KL(q‖p), nats": [f"{v[3]:.3f}" for v in fits["table"].values()]})
