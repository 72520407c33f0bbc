"""Figures for the one-dimensional examples: probability vs likelihood, and the two directions of KL."""
import numpy as np
import plotly.graph_objects as go

from app_pages.elbo_lab.figures import POSTERIOR_COLOUR, Q_COLOUR, REPARAM_COLOUR

# Fixed margins that hold the tick labels, axis titles and the legend below, rather than plotly's automatic ones, and
# tick labels allowed past the figure's edge: else plotly draws every figure twice (once to measure what the margins
# must hold) and measures each tick label against all the others. Measured in Chromium, this halves what a figure
# costs the browser.
AXIS = {"automargin": False, "ticklabeloverflow": "allow"}


def layout(height=420, xaxis=None, yaxis=None, **kw) -> dict:
    """The lab's layout as a dict: a figure made in one go, go.Figure(traces, layout), is validated once, several
    times faster than one built up with add_trace, add_hline and update_layout (which rerun plotly's checks)."""
    return {"height": height, "margin": {"l": 70, "r": 10, "t": 40, "b": 100},
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},  # at the foot, in the margin
            "xaxis": {**AXIS, **(xaxis or {})}, "yaxis": {**AXIS, **(yaxis or {})}, **kw}


MOUSE_AXES = {"xaxis": {"title": "mouse weight w (g)"}, "yaxis": {"title": "density (1/g)", "rangemode": "tozero"}}


def _pdf(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def probability_figure(mean, std, a, b) -> go.Figure:
    """The density with the area between a and b shaded: that area is a probability."""
    x = np.linspace(mean - 4.5 * std, mean + 4.5 * std, 600)
    inside = np.linspace(a, b, 200)
    return go.Figure([
        go.Scatter(x=inside, y=_pdf(inside, mean, std), fill="tozeroy", fillcolor="rgba(31,119,180,0.35)",
                   line={"width": 0}, name=f"area = P({a:g} < w < {b:g})"),
        go.Scatter(x=x, y=_pdf(x, mean, std), mode="lines", line={"color": POSTERIOR_COLOUR, "width": 3},
                   name=f"density N({mean:g}, {std:g}²)")], layout(340, **MOUSE_AXES))


def likelihood_figure(mean, std, w) -> go.Figure:
    """The same density with the observed weight marked: its height there is the likelihood of (mean, std)."""
    x = np.linspace(min(mean, w) - 4.5 * std, max(mean, w) + 4.5 * std, 600)
    height = float(_pdf(w, mean, std))
    return go.Figure([
        go.Scatter(x=x, y=_pdf(x, mean, std), mode="lines", line={"color": POSTERIOR_COLOUR, "width": 3},
                   name=f"density N({mean:g}, {std:g}²)"),
        go.Scatter(x=[w, w], y=[0, height], mode="lines+markers", line={"color": Q_COLOUR, "width": 4},
                   marker={"size": [0, 12]}, name=f"height at w = {w:g}: the likelihood")], layout(340, **MOUSE_AXES))


def kl_fit_figure(grid, p, forward, reverse) -> go.Figure:
    """The two-mode target p and the Gaussians that minimise KL(p||q) and KL(q||p)."""
    return go.Figure([
        go.Scatter(x=grid, y=p, mode="lines", fill="tozeroy", fillcolor="rgba(127,127,127,0.2)",
                   line={"color": "#555", "width": 3}, name="p: two-mode mixture"),
        go.Scatter(x=grid, y=_pdf(grid, *forward), mode="lines", line={"color": REPARAM_COLOUR, "width": 3},
                   name="argmin KL(p‖q): mass-covering"),
        go.Scatter(x=grid, y=_pdf(grid, *reverse), mode="lines", line={"color": Q_COLOUR, "width": 3, "dash": "dash"},
                   name="argmin KL(q‖p): mode-seeking")],
        layout(360, xaxis={"title": "x"}, yaxis={"title": "density", "rangemode": "tozero"}))
