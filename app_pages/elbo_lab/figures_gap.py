"""The figures of the ELBO lab's gap section: the gap log p(x) - ELBO(encoder) as one bar split into its parts, and
the three Gaussians (the encoder's q, the best diagonal q*, the best full-covariance q*) over the exact posterior."""
import numpy as np
import plotly.graph_objects as go

from app_pages.elbo_lab.figures import POSTERIOR_COLOUR, Q_COLOUR, contour_lines, density_levels, view_box
from ui.chart import image_layer, rounded

DIAG_COLOUR, FULL_COLOUR = "#ff7f0e", "#2ca02c"
PARTS = (("amortization", "amortization gap: the encoder misses q*", Q_COLOUR),
         ("diagonal", "approximation: diagonal Σ", DIAG_COLOUR),
         ("gaussian", "approximation: any Gaussian", FULL_COLOUR))


def gap_bar(split: dict) -> go.Figure:
    """One horizontal bar, log p(x) - ELBO(encoder) long, split into the amortization gap and the two parts of the
    approximation gap, each labelled with its nats."""
    fig = go.Figure()
    for key, label, colour in PARTS:
        value = float(split[key])
        fig.add_trace(go.Bar(x=[value], y=["gap"], orientation="h", name=label, marker_color=colour,
                             text=[f"{value:.3f}"], textposition="inside", insidetextanchor="middle",
                             hovertemplate=f"{label}: %{{x:.4f}} nats<extra></extra>"))
    fig.update_layout(barmode="stack", height=230, margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=True,
                      legend={"orientation": "h", "y": -0.45, "x": 0}, uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_xaxes(title="nats: log p(x) − ELBO(encoder's q)", rangemode="tozero")
    fig.update_yaxes(showticklabels=False)
    return fig


def gaussian_ellipse(theta, k: float, n: int = 100):
    """The k-sigma ellipse of N(m, L L^T), theta = (m1, m2, log L11, log L22, L21): m + k L (cos t, sin t)."""
    t = np.linspace(0, 2 * np.pi, n)
    l11, l22, l21 = np.exp(theta[2]), np.exp(theta[3]), theta[4]
    return theta[0] + k * l11 * np.cos(t), theta[1] + k * (l21 * np.cos(t) + l22 * np.sin(t))


def three_q_figure(dec: dict, split: dict, mark: str) -> dict:
    """The exact posterior (shaded, with its 1- and 2-sigma-mass contours) and the 1-sigma ellipse of each q."""
    za, zb = dec["axes"]
    density = np.exp(dec["log_posterior"]).T
    series, legend = [], []
    for level, dash, label in zip(density_levels(density), ("dot", None), ("2σ", "1σ")):
        xs, ys = contour_lines(za, zb, density, level)
        series.append({"x": rounded(xs, 4), "y": rounded(ys, 4), "colour": POSTERIOR_COLOUR, "width": 2, "dash": dash})
        legend.append({"name": f"p(z|x), {label} mass", "colour": POSTERIOR_COLOUR, "dash": dash})
    for key, colour, label in (("encoder", Q_COLOUR, "encoder's q(z|x)"), ("diag", DIAG_COLOUR, "q*, diagonal"),
                               ("full", FULL_COLOUR, "q*, full covariance")):
        for k, dash in ((1, None), (2, "dot")):
            xs, ys = gaussian_ellipse(split[f"theta_{key}"], k)
            series.append({"x": rounded(xs, 4), "y": rounded(ys, 4), "colour": colour, "width": 3, "dash": dash})
        legend.append({"name": f"{label}, 1σ and 2σ", "colour": colour})
    theta = split["theta_encoder"]
    x_range, y_range = view_box(za, zb, density, theta[:2], np.exp(theta[2:4]))
    for key in ("diag", "full"):  # and each q*'s 2-sigma ellipse, with room: q* can sit where the grid saw no mass
        xs, ys = gaussian_ellipse(split[f"theta_{key}"], 2.5)
        x_range = [min(x_range[0], float(xs.min())), max(x_range[1], float(xs.max()))]
        y_range = [min(y_range[0], float(ys.min())), max(y_range[1], float(ys.max()))]
    panel = {"xlabel": "z₁", "ylabel": "z₂", "range": x_range + y_range, "equal": True,
             "image": image_layer(density / density.max(), za, zb), "series": series,
             "readout": {"x": "z₁", "y": "z₂"}}
    return {"height": 440, "panels": [panel], "legend": legend, "mark": mark}
