"""Plotly figures for the ELBO lab, built from numbers computed in vae/."""
from collections import defaultdict

import numpy as np
import plotly.graph_objects as go

Q_COLOUR, POSTERIOR_COLOUR, REPARAM_COLOUR, SCORE_COLOUR = "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e"
# A 2-D Gaussian's 1- and 2-sigma ellipses hold these shares of its mass; the posterior's contours below
# are drawn at the density levels that hold the same shares, so the shapes compare like for like.
MASS_1SD, MASS_2SD = 1 - np.exp(-0.5), 1 - np.exp(-2.0)


# Fixed margins that hold the tick labels, axis titles and the legend below, rather than plotly's automatic ones, and
# tick labels allowed past the figure's edge: else plotly draws every figure twice (once to measure what the margins
# must hold) and measures each tick label against all the others. Measured in Chromium, this halves what a figure
# costs the browser, and a new digit redraws four of them.
AXIS = {"automargin": False, "ticklabeloverflow": "allow"}


def layout(height=420, xaxis=None, yaxis=None, **kw) -> dict:
    """The lab's layout as a dict: a figure made in one go, go.Figure(traces, layout), is validated once, several
    times faster than one built up with add_trace, add_hline and update_layout (which rerun plotly's checks)."""
    return {"height": height, "margin": {"l": 70, "r": 10, "t": 40, "b": 100},
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},  # at the foot, in the margin
            "xaxis": {**AXIS, **(xaxis or {})}, "yaxis": {**AXIS, **(yaxis or {})}, **kw}


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


def contour_lines(x, y, z, level):
    """The curve z = level through a grid (z[i, j] at x[j], y[i], as plotly's heatmap takes it), by marching squares
    with linear interpolation along cell edges: x, y arrays, a polyline per piece, pieces separated by NaN. Plain
    lines cost the browser a fraction of plotly's contour trace, which recomputes the curve at every redraw."""
    above = z > level
    points = {}  # a crossed cell edge -> where the curve crosses it
    for kind, a, b in (("h", z[:, :-1], z[:, 1:]), ("v", z[:-1], z[1:])):
        for i, j in zip(*np.nonzero((a > level) != (b > level))):
            t = (level - a[i, j]) / (b[i, j] - a[i, j])
            points[kind, i, j] = ((x[j] + t * (x[j + 1] - x[j]), y[i]) if kind == "h"
                                  else (x[j], y[i] + t * (y[i + 1] - y[i])))
    links = defaultdict(list)
    corners = above[:-1, :-1].astype(int) + above[:-1, 1:] + above[1:, :-1] + above[1:, 1:]
    for i, j in zip(*np.nonzero((corners > 0) & (corners < 4))):
        e = [k for k in (("h", i, j), ("v", i, j + 1), ("h", i + 1, j), ("v", i, j)) if k in points]  # b, r, t, l
        if len(e) == 2:
            pairs = [e]
        else:  # a saddle: the pieces cut off the two corners on the other side from the cell's centre
            pairs = [e[:2], e[2:]] if (z[i:i + 2, j:j + 2].mean() > level) == above[i, j] else [(e[3], e[0]), e[1:3]]
        for u, v in pairs:
            links[u].append(v)
            links[v].append(u)
    line, seen = [], set()
    for start in sorted(links, key=lambda k: len(links[k])):  # open pieces (ending at the border) from an end
        if start in seen:
            continue
        piece, e = [start], start
        seen.add(start)
        while nxt := [k for k in links[e] if k not in seen]:
            e = nxt[0]
            piece.append(e)
            seen.add(e)
        if start in links[e] and len(piece) > 2:
            piece.append(start)  # a closed curve
        line += [points[k] for k in piece] + [(np.nan, np.nan)]
    return np.array(line).reshape(-1, 2).T


def posterior_figure(dec: dict) -> go.Figure:
    """True posterior p(z|x) as a shaded density with its 1- and 2-sigma-mass contours, and q(z|x) as ellipses."""
    za, zb = dec["axes"]
    density = np.exp(dec["log_posterior"]).T  # plotly wants rows along y
    traces = [go.Heatmap(x=za, y=zb, z=density, colorscale="Blues", showscale=False,
                         hovertemplate="z = (%{x:.3f}, %{y:.3f})<extra></extra>")]
    for level, dash, label in zip(density_levels(density), ("dot", "solid"), ("2σ", "1σ")):
        xs, ys = contour_lines(za, zb, density, level)
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", line={"color": POSTERIOR_COLOUR, "width": 3, "dash": dash},
                                 name=f"p(z|x), {label} mass", hoverinfo="skip"))
    for k, dash in ((1, "solid"), (2, "dot")):
        xs, ys = ellipse(dec["mu"], dec["std"], k)
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", line={"color": Q_COLOUR, "width": 3, "dash": dash},
                                 name=f"q(z|x), {k}σ", hoverinfo="skip"))
    traces.append(go.Scatter(x=[dec["mu"][0]], y=[dec["mu"][1]], mode="markers", name="encoder mean μ",
                             marker={"color": Q_COLOUR, "size": 10, "symbol": "x"}))
    x_range, y_range = view_box(za, zb, density, dec["mu"], dec["std"])
    return go.Figure(traces, layout(480, xaxis={"title": "z₁", "range": x_range, "constrain": "domain"},
                                    yaxis={"scaleanchor": "x", "scaleratio": 1, "title": "z₂", "range": y_range}))


def hline(y, line, text, above):
    """A horizontal line across the plot with its label at the right end, as layout dicts (what add_hline makes)."""
    shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "y0": y, "y1": y, "line": line}
    note = {"xref": "x domain", "x": 1, "y": y, "text": text, "showarrow": False, "xanchor": "right",
            "yanchor": "bottom" if above else "top"}
    return shape, note


def iwae_figure(curve: dict, log_px: float | None, elbo: float) -> go.Figure:
    """The IWAE bound against K, with log p(x) by quadrature where there is one (a 2-D latent) and the ELBO."""
    lines = [hline(elbo, {"color": Q_COLOUR, "dash": "dot"}, f"ELBO = {elbo:.2f}", above=True)]
    if log_px is not None:
        lines.insert(0, hline(log_px, {"color": POSTERIOR_COLOUR, "width": 2},
                              f"log p(x) by quadrature = {log_px:.2f}", above=False))
    trace = go.Scatter(x=curve["k"], y=curve["mean"], mode="lines+markers", name="IWAE bound (mean ± sd)",
                       error_y={"type": "data", "array": curve["std"], "visible": True}, line={"color": REPARAM_COLOUR})
    return go.Figure(trace, layout(380, shapes=[s for s, _ in lines], annotations=[a for _, a in lines],
                                   xaxis={"type": "log", "title": "K, samples per bound"}, yaxis={"title": "nats"}))


def gradient_figure(samples: dict, dim: int = 0, bins: int = 120) -> go.Figure:
    """Histograms of single-sample gradient estimates on one common axis: the spike is the reparameterized one.
    Each estimator's samples are binned here, into `bins` bars across its own range as plotly's histogram would,
    so the browser gets 240 bars rather than 4,000 numbers to bin."""
    traces = []
    for key, colour, label in (("score", SCORE_COLOUR, "score function (REINFORCE)"),
                               ("reparam", REPARAM_COLOUR, "reparameterization")):
        counts, edges = np.histogram(samples[key][:, dim], bins=bins)
        traces.append(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name=label,
                             marker={"color": colour, "line": {"width": 0}}, opacity=0.75))
    return go.Figure(traces, layout(360, barmode="overlay", bargap=0, yaxis={"title": "count"},
                                    xaxis={"title": f"single-sample estimate of ∂ELBO/∂μ{'₁₂'[dim]}"}))


def log_spaced(n: int, points: int = 400) -> np.ndarray:
    """Indices 0 .. n-1 at `points` steps evenly spaced in log t, fewer where they round to the same index: on a log
    axis they draw the same curve as all n (every index up to 55, then at most 4% apart), in a sixth of the data."""
    return np.unique(np.geomspace(1, n, points).round().astype(int)) - 1


def monte_carlo_figure(running: np.ndarray, target: float, sd: float, target_name: str = "exact value") -> go.Figure:
    keep = log_spaced(len(running))
    t = keep + 1
    band = sd / np.sqrt(t)
    return go.Figure([
        go.Scatter(x=np.concatenate([t, t[::-1]]), y=np.concatenate([target + band, (target - band)[::-1]]),
                   fill="toself", fillcolor="rgba(31,119,180,0.15)", line={"width": 0}, name=f"{target_name} ± σ/√T",
                   hoverinfo="skip"),
        go.Scatter(x=[1, len(running)], y=[target, target], mode="lines", name=target_name,
                   line={"color": POSTERIOR_COLOUR}),
        go.Scatter(x=t, y=running[keep], mode="lines", name="running mean", line={"color": SCORE_COLOUR})],
        layout(360, xaxis={"type": "log", "title": "T, number of samples"},
               yaxis={"title": "estimate of E_q[log p(x|z)], nats", "range": [target - 3 * sd, target + 3 * sd]}))
