"""Plotly figures for the ELBO lab, built from numbers computed in vae/."""
import numpy as np
import plotly.graph_objects as go

Q_COLOUR, POSTERIOR_COLOUR, REPARAM_COLOUR, SCORE_COLOUR = "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e"
# A 2-D Gaussian's 1- and 2-sigma ellipses hold these shares of its mass; the posterior's contours below
# are drawn at the density levels that hold the same shares, so the shapes compare like for like.
MASS_1SD, MASS_2SD = 1 - np.exp(-0.5), 1 - np.exp(-2.0)


def _layout(fig, height=420, **kw):
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.18}, **kw)
    return fig


def density_levels(density: np.ndarray, masses=(MASS_2SD, MASS_1SD)) -> list[float]:
    """Density thresholds whose super-level sets hold the given shares of the total mass."""
    d = np.sort(density.ravel())[::-1]
    cum = np.cumsum(d) / d.sum()
    return [float(d[np.searchsorted(cum, m)]) for m in masses]


def ellipse(mu, std, k, n=100):
    t = np.linspace(0, 2 * np.pi, n)
    return mu[0] + k * std[0] * np.cos(t), mu[1] + k * std[1] * np.sin(t)


def view_box(za, zb, density, mu, std, pad=0.2):
    """Axis ranges that frame the posterior's mass (density above 1/1000 of its peak) and q's 2.5-sigma box."""
    rows, cols = np.nonzero(density >= density.max() * 1e-3)
    x0, x1 = min(za[cols].min(), mu[0] - 2.5 * std[0]), max(za[cols].max(), mu[0] + 2.5 * std[0])
    y0, y1 = min(zb[rows].min(), mu[1] - 2.5 * std[1]), max(zb[rows].max(), mu[1] + 2.5 * std[1])
    margin = pad * max(x1 - x0, y1 - y0)
    return [float(x0 - margin), float(x1 + margin)], [float(y0 - margin), float(y1 + margin)]


def posterior_figure(dec: dict) -> go.Figure:
    """True posterior p(z|x) as a shaded density with its 1- and 2-sigma-mass contours, and q(z|x) as ellipses."""
    za, zb = dec["axes"]
    density = np.exp(dec["log_posterior"]).T  # plotly wants rows along y
    fig = go.Figure(go.Heatmap(x=za, y=zb, z=density, colorscale="Blues", showscale=False,
                               hovertemplate="z = (%{x:.3f}, %{y:.3f})<extra></extra>"))
    for level, dash, label in zip(density_levels(density), ("dot", "solid"), ("2σ", "1σ")):
        fig.add_trace(go.Contour(x=za, y=zb, z=density, showscale=False, contours_coloring="lines",
                                 contours={"start": level, "end": level, "size": 1},
                                 line={"color": POSTERIOR_COLOUR, "width": 3, "dash": dash},
                                 colorscale=[[0, POSTERIOR_COLOUR], [1, POSTERIOR_COLOUR]],
                                 name=f"p(z|x), {label} mass", showlegend=True, hoverinfo="skip"))
    for k, dash in ((1, "solid"), (2, "dot")):
        xs, ys = ellipse(dec["mu"], dec["std"], k)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": Q_COLOUR, "width": 3, "dash": dash},
                                 name=f"q(z|x), {k}σ", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[dec["mu"][0]], y=[dec["mu"][1]], mode="markers", name="encoder mean μ",
                             marker={"color": Q_COLOUR, "size": 10, "symbol": "x"}))
    x_range, y_range = view_box(za, zb, density, dec["mu"], dec["std"])
    fig.update_yaxes(scaleanchor="x", scaleratio=1, title="z₂", range=y_range)
    fig.update_xaxes(title="z₁", range=x_range, constrain="domain")
    return _layout(fig, height=480)


def iwae_figure(curve: dict, log_px: float | None, elbo: float) -> go.Figure:
    """The IWAE bound against K, with log p(x) by quadrature where there is one (a 2-D latent) and the ELBO."""
    fig = go.Figure(go.Scatter(x=curve["k"], y=curve["mean"], mode="lines+markers", name="IWAE bound (mean ± sd)",
                               error_y={"type": "data", "array": curve["std"], "visible": True},
                               line={"color": REPARAM_COLOUR}))
    if log_px is not None:
        fig.add_hline(y=log_px, line={"color": POSTERIOR_COLOUR, "width": 2},
                      annotation_text=f"log p(x) by quadrature = {log_px:.2f}", annotation_position="bottom right")
    fig.add_hline(y=elbo, line={"color": Q_COLOUR, "dash": "dot"},
                  annotation_text=f"ELBO = {elbo:.2f}", annotation_position="top right")
    fig.update_xaxes(type="log", title="K, samples per bound")
    fig.update_yaxes(title="nats")
    return _layout(fig, height=380)


def gradient_figure(samples: dict, dim: int = 0) -> go.Figure:
    """Histograms of single-sample gradient estimates on one common axis: the spike is the reparameterized one."""
    fig = go.Figure()
    for key, colour, label in (("score", SCORE_COLOUR, "score function (REINFORCE)"),
                               ("reparam", REPARAM_COLOUR, "reparameterization")):
        fig.add_trace(go.Histogram(x=samples[key][:, dim], name=label, marker_color=colour, opacity=0.75,
                                   nbinsx=120))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title=f"single-sample estimate of ∂ELBO/∂μ{'₁₂'[dim]}")
    fig.update_yaxes(title="count")
    return _layout(fig, height=360)


def monte_carlo_figure(running: np.ndarray, target: float, sd: float, target_name: str = "exact value") -> go.Figure:
    t = np.arange(1, len(running) + 1)
    band = sd / np.sqrt(t)
    fig = go.Figure([
        go.Scatter(x=np.concatenate([t, t[::-1]]), y=np.concatenate([target + band, (target - band)[::-1]]),
                   fill="toself", fillcolor="rgba(31,119,180,0.15)", line={"width": 0}, name=f"{target_name} ± σ/√T",
                   hoverinfo="skip"),
        go.Scatter(x=t, y=np.full_like(running, target), mode="lines", name=target_name,
                   line={"color": POSTERIOR_COLOUR}),
        go.Scatter(x=t, y=running, mode="lines", name="running mean", line={"color": SCORE_COLOUR})])
    fig.update_xaxes(type="log", title="T, number of samples")
    fig.update_yaxes(title="estimate of E_q[log p(x|z)], nats", range=[target - 3 * sd, target + 3 * sd])
    return _layout(fig, height=360)
