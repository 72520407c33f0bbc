"""Figures for the training page: live curves and latent-map frames."""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import DIGIT_COLOURS, DIGITS, class_names

MAX_POINTS = 300  # per-step curves are thinned to this many points: the page redraws them twice a second


def ema(values: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Exponential moving average, s_t = alpha x_t + (1 - alpha) s_(t-1), starting at x_0."""
    return pd.Series(values).ewm(alpha=alpha, adjust=False).mean().to_numpy()


# (panel, metric key, name, colour) of each per-step curve, for the live view and the plotly figure alike
CURVES = ((0, "loss", "training loss", "#1f77b4"), (0, "recon", "reconstruction", "#ff7f0e"), (1, "kl", "KL", "#2ca02c"))


def column(steps, key: str) -> np.ndarray:
    """One metric of every step, as floats, from a worker's log (vae/serve/metric_log.Rows)."""
    return steps.column(key).astype(float)


def thin(*arrays):
    stride = max(1, len(arrays[0]) // MAX_POINTS)
    return [a[::stride] for a in arrays]


def curves_figure(steps: list, epochs: list, unit: str) -> go.Figure:
    """Per-step loss, reconstruction and KL (faint: raw; solid: smoothed) and per-epoch test values (markers)."""
    # short titles, the units on the y axes: on a phone each panel is about 150 px wide
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08,
                        subplot_titles=("loss and reconstruction", "KL to the prior"))
    step = column(steps, "step")
    for panel, key, name, colour in CURVES:
        col = panel + 1
        raw = column(steps, key)
        x, y, smooth = thin(step, raw, ema(raw)) if len(raw) else ([], [], [])
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line={"color": colour, "width": 1}, opacity=0.25,
                                 name=f"{name} (per step)", showlegend=False), row=1, col=col)
        fig.add_trace(go.Scatter(x=x, y=smooth, mode="lines", line={"color": colour, "width": 2.5},
                                 name=f"{name}, smoothed"), row=1, col=col)
        test = [(e["step"], e[f"test_{key}"]) for e in epochs]
        if test:
            fig.add_trace(go.Scatter(x=[t[0] for t in test], y=[t[1] for t in test], mode="markers+lines",
                                     marker={"color": colour, "size": 9, "symbol": "diamond", "line": {"width": 1}},
                                     line={"dash": "dot", "color": colour},
                                     name="test " + name.replace("training ", "")), row=1, col=col)
    fig.update_xaxes(title="step")
    fig.update_yaxes(title=unit, row=1, col=1)
    fig.update_yaxes(title="nats per image", row=1, col=2)
    fig.update_annotations(font_size=14)
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.25}, uirevision="curves")
    return fig


SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def axis_names(frame: dict) -> tuple[str, str]:
    return tuple(f"z{str(u + 1).translate(SUB)}" for u in frame.get("dims", (0, 1)))


def dims_note(frame: dict) -> str:
    """What a frame of a model of more than two dimensions shows: which two, and why those ("" for a 2-D model)."""
    d = frame.get("latent_dim", 2)
    return f"{' and '.join(axis_names(frame))}: of its {d} dimensions, the two with the most KL" if d > 2 else ""


def frame_figure(frame: dict, labels: np.ndarray, height: int = 460, classes=DIGITS, item="digit") -> go.Figure:
    """One latent-map frame: the first test images' posterior means, on fixed axes so frames compare."""
    fig = go.Figure()
    for k, name in enumerate(classes):
        pts = frame["mu"][labels == k]
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,  # SVG: no WebGL context
                                 marker={"size": 4, "color": DIGIT_COLOURS[k], "opacity": 0.75}))
    class_names(fig, np.asarray(frame["mu"]), labels, classes)
    x, y = axis_names(frame)
    fig.update_xaxes(range=[-4, 4], title=x)
    fig.update_yaxes(range=[-4, 4], title=y, scaleanchor="x", scaleratio=1)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, uirevision="frames",
                      title=f"epoch {frame['epoch']:.2f} · step {frame['step']}",
                      legend={"title": item, "itemsizing": "constant"})
    return fig
