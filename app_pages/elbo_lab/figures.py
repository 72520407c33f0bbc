"""The ELBO lab's four figures on a test digit, as data for the canvas chart (ui/chart.py), built from numbers
computed in vae/. A new digit redraws all four: drawn by plotly they cost the browser, measured in Chromium, about
0.25 s of CPU a digit, on a 2-core machine time the server needs for the digit's numbers (bench/elbo_lab_speed.py)."""
from collections import defaultdict

import numpy as np

from ui.chart import image_layer, rounded

Q_COLOUR, POSTERIOR_COLOUR, REPARAM_COLOUR, SCORE_COLOUR = "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e"
# A 2-D Gaussian's 1- and 2-sigma ellipses hold these shares of its mass; the posterior's contours below
# are drawn at the density levels that hold the same shares, so the shapes compare like for like.
MASS_1SD, MASS_2SD = 1 - np.exp(-0.5), 1 - np.exp(-2.0)


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


def posterior_figure(dec: dict, mark: str) -> dict:
    """True posterior p(z|x) as a shaded density with its 1- and 2-sigma-mass contours, and q(z|x) as ellipses, on
    axes of equal units."""
    za, zb = dec["axes"]
    density = np.exp(dec["log_posterior"]).T  # rows along z2
    series, legend = [], []
    for level, dash, label in zip(density_levels(density), ("dot", None), ("2σ", "1σ")):
        xs, ys = contour_lines(za, zb, density, level)
        series.append({"x": rounded(xs, 4), "y": rounded(ys, 4), "colour": POSTERIOR_COLOUR, "width": 3, "dash": dash})
        legend.append({"name": f"p(z|x), {label} mass", "colour": POSTERIOR_COLOUR, "dash": dash})
    for k, dash in ((1, None), (2, "dot")):
        xs, ys = ellipse(dec["mu"], dec["std"], k)
        series.append({"x": rounded(xs, 4), "y": rounded(ys, 4), "colour": Q_COLOUR, "width": 3, "dash": dash})
        legend.append({"name": f"q(z|x), {k}σ", "colour": Q_COLOUR, "dash": dash})
    series.append({"x": rounded(dec["mu"][:1], 4), "y": rounded(dec["mu"][1:], 4), "colour": Q_COLOUR, "symbol": "x",
                   "size": 12})
    legend.append({"name": "encoder mean μ", "colour": Q_COLOUR})
    x_range, y_range = view_box(za, zb, density, dec["mu"], dec["std"])
    panel = {"xlabel": "z₁", "ylabel": "z₂", "range": x_range + y_range, "equal": True,
             "image": image_layer(density / density.max(), za, zb), "series": series,
             "readout": {"x": "z₁", "y": "z₂"}}
    return {"height": 480, "panels": [panel], "legend": legend, "mark": mark}


def iwae_figure(curve: dict, log_px: float | None, elbo: float, mark: str) -> dict:
    """The IWAE bound against K, with log p(x) by quadrature where there is one (a 2-D latent) and the ELBO."""
    hlines = [{"y": elbo, "colour": Q_COLOUR, "dash": "dot", "width": 2, "text": f"ELBO = {elbo:.2f}", "above": True}]
    legend = [{"name": "IWAE bound (mean ± sd)", "colour": REPARAM_COLOUR},
              {"name": "ELBO", "colour": Q_COLOUR, "dash": "dot"}]
    if log_px is not None:
        hlines.insert(0, {"y": log_px, "colour": POSTERIOR_COLOUR, "width": 2,
                          "text": f"log p(x) by quadrature = {log_px:.2f}", "above": False})
        legend.insert(1, {"name": "log p(x)", "colour": POSTERIOR_COLOUR})
    series = {"name": "IWAE bound", "x": [int(k) for k in curve["k"]], "y": rounded(curve["mean"]),
              "err": rounded(curve["std"]), "colour": REPARAM_COLOUR, "width": 2, "markers": "filled"}
    panel = {"xlabel": "K, samples per bound", "ylabel": "nats", "xlog": True, "series": [series], "hlines": hlines,
             "readout": {"x": "K", "y": "bound", "series": 0}}
    return {"height": 380, "panels": [panel], "legend": legend, "mark": mark}


def gradient_figure(samples: dict, mark: str, dim: int = 0, bins: int = 120) -> dict:
    """Histograms of single-sample gradient estimates on one common axis: the spike is the reparameterized one.
    Each estimator's samples are binned into `bins` bars across its own range, so the browser gets 240 bars."""
    series, legend = [], []
    for key, colour, label in (("score", SCORE_COLOUR, "score function (REINFORCE)"),
                               ("reparam", REPARAM_COLOUR, "reparameterization")):
        counts, edges = np.histogram(samples[key][:, dim], bins=bins)
        series.append({"kind": "bars", "x": rounded((edges[:-1] + edges[1:]) / 2, 4), "y": counts.tolist(),
                       "widths": rounded(np.diff(edges), 5), "colour": colour, "alpha": 0.75})
        legend.append({"name": label, "colour": colour, "kind": "area"})
    panel = {"xlabel": f"single-sample estimate of ∂ELBO/∂μ{'₁₂'[dim]}", "ylabel": "count", "series": series,
             "readout": {"x": "estimate", "y": "count"}}
    return {"height": 360, "panels": [panel], "legend": legend, "mark": mark}


def log_spaced(n: int, points: int = 400) -> np.ndarray:
    """Indices 0 .. n-1 at `points` steps evenly spaced in log t, fewer where they round to the same index: on a log
    axis they draw the same curve as all n (every index up to 55, then at most 4% apart), in a sixth of the data."""
    return np.unique(np.geomspace(1, n, points).round().astype(int)) - 1


def monte_carlo_figure(running: np.ndarray, target: float, sd: float, mark: str,
                       target_name: str = "exact value") -> dict:
    """The running mean of the draws against T, on a log axis, inside the band target ± sd/sqrt(T)."""
    keep = log_spaced(len(running))
    t = keep + 1
    band = sd / np.sqrt(t)
    series = [{"kind": "band", "x": t.tolist(), "y": rounded(target + band), "y2": rounded(target - band),
               "colour": POSTERIOR_COLOUR, "alpha": 0.15},
              {"x": [1, len(running)], "y": rounded([target, target]), "colour": POSTERIOR_COLOUR, "width": 2},
              {"name": "running mean", "x": t.tolist(), "y": rounded(running[keep]), "colour": SCORE_COLOUR,
               "width": 2}]
    legend = [{"name": f"{target_name} ± σ/√T", "colour": POSTERIOR_COLOUR, "kind": "area"},
              {"name": target_name, "colour": POSTERIOR_COLOUR}, {"name": "running mean", "colour": SCORE_COLOUR}]
    panel = {"xlabel": "T, number of samples", "ylabel": "estimate of E_q[log p(x|z)], nats", "xlog": True,
             "range": [None, None, target - 3 * sd, target + 3 * sd], "series": series,
             "readout": {"x": "T", "y": "mean", "series": 2}}
    return {"height": 360, "panels": [panel], "legend": legend, "mark": mark}
