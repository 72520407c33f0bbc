"""The Train page's live view, drawn by the canvas chart (ui/chart.py): while a model trains the page redraws twice
a second, and a plotly redraw (figure built on the server, re-rendered in the browser) cost the training a large
share of the machine. The figures after training stay plotly, for zooming and hovering (figures.py)."""
import numpy as np

from ui.chart import chart, rounded as _rounded
from ui.figures import DIGIT_COLOURS, DIGITS
from app_pages.train.figures import CURVES, axis_names, column, dims_note, ema, thin


def curves_data(steps: list, epochs: list, unit: str) -> dict:
    """Per-step loss, reconstruction and KL (faint: raw; solid: smoothed) and per-epoch test values (dots)."""
    step = column(steps, "step")
    panels = [{"title": f"loss and reconstruction ({unit})", "xlabel": "step", "series": []},
              {"title": "KL to the prior (nats per image)", "xlabel": "step", "series": []}]
    legend, last_loss = [], None
    for panel, key, name, colour in CURVES:
        raw = column(steps, key)
        smoothed = ema(raw) if len(raw) else raw
        x, y, smooth = thin(step, raw, smoothed) if len(raw) else ([], [], [])
        if key == "loss" and len(raw):
            last_loss = round(float(smoothed[-1]), 3)
        series = panels[panel]["series"]
        series.append({"x": _rounded(x), "y": _rounded(y), "colour": colour, "width": 1, "alpha": 0.3})
        series.append({"x": _rounded(x), "y": _rounded(smooth), "colour": colour, "width": 2.5})
        test = [(e["step"], e[f"test_{key}"]) for e in epochs]
        if test:
            series.append({"x": [t[0] for t in test], "y": _rounded([t[1] for t in test]), "colour": colour,
                           "dash": True, "markers": True, "alpha": 1})
        legend.append({"name": name, "colour": colour})
    # what the browser records of this drawing (for tests): the newest step and its smoothed training loss
    mark = [int(step[-1]) if len(step) else -1, last_loss]
    return {"height": 360, "panels": panels, "legend": legend, "mark": mark,
            "note": "faint: every training step · bold: smoothed · circles: the test set after each epoch"}


def live_curves(steps: list, epochs: list, unit: str, key: str) -> None:
    chart(curves_data(steps, epochs, unit), key, height="content")  # taller on a phone: panels stack


DIMS_STEPS = 50  # the bars are each dimension's KL averaged over the newest steps: one batch's is noisy


def dims_data(steps, epochs: list, free_bits: float = 0.0) -> dict:
    """Each latent dimension's KL to the prior, as bars in index order (so a bar that falls is a dimension switching
    off), averaged over the last DIMS_STEPS training steps, with the test set's after the last epoch as dots."""
    kl = steps.column("kl_dims") if len(steps) else np.empty((0, 0))
    d = kl.shape[1] if kl.ndim == 2 else 0
    now = kl[-DIMS_STEPS:].mean(0) if len(kl) else np.zeros(d)
    x = list(range(1, d + 1))
    series = [{"kind": "bars", "x": x, "y": _rounded(now), "widths": [0.7] * d, "colour": "#2ca02c", "alpha": 0.85}]
    test = epochs[-1].get("test_kl_dims") if epochs else None
    if test is not None and len(test) == d:
        series.append({"x": x, "y": _rounded(test), "colour": "#1b5e20", "size": 7, "alpha": 1})
    step = int(steps.column("step")[-1]) if len(steps) else 0
    panel = {"title": f"KL of each latent dimension · step {step}", "xlabel": "latent dimension u", "ylabel": "nats",
             "range": [0.3, d + 0.7, 0, None], "series": series,
             "hlines": [{"y": free_bits, "colour": "#d62728", "dash": "dot", "text": "free bits"}] if free_bits else []}
    return {"height": 260, "panels": [panel], "mark": step,
            "note": f"bars: the last {DIMS_STEPS} training steps' average · dots: the test set after the last epoch"}


def live_dims(steps, epochs: list, free_bits: float, key: str) -> None:
    chart(dims_data(steps, epochs, free_bits), key, height="content")


def live_map(frame: dict, labels: np.ndarray, key: str, classes=DIGITS) -> None:
    """One latent-map frame: the first test images' posterior means on fixed axes, so frames compare (of a model with
    more than two dimensions, the two that carried the most KL then: see dims_note)."""
    mu = np.asarray(frame["mu"])
    series = [{"x": _rounded(mu[labels == d, 0]), "y": _rounded(mu[labels == d, 1]), "colour": DIGIT_COLOURS[d],
               "size": 3, "alpha": 0.8} for d in range(10)]
    x, y = axis_names(frame)
    panel = {"title": f"epoch {frame['epoch']:.2f} · step {frame['step']}", "xlabel": x, "ylabel": y,
             "range": [-4, 4, -4, 4],
             "square": True, "series": series, "names": list(classes)}
    legend = [{"name": name, "colour": DIGIT_COLOURS[d]} for d, name in enumerate(classes)]
    chart({"height": 420, "panels": [panel], "legend": legend, "mark": frame["step"], "note": dims_note(frame)}, key,
          height=480)
