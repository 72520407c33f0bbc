"""Plotly figures for the MSE vs BCE page: image mosaics, blur bars, the toy's fits. Numbers in, figures out."""
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

GAP = 2  # pixels of background between tiles
MODEL_COLOURS = MappingProxyType({"data": "#444444", "bce": "#1f77b4", "mse": "#d62728",
                                  "mse fit": "#d62728", "bce fit": "#1f77b4"})
MEASURE_LABELS = MappingProxyType({"grey_share": "undecided pixels (0.2 < p < 0.8), share",
                                   "entropy_bits": "binary entropy, bits per pixel",
                                   "edge_steepness": "edge steepness, grey levels per pixel"})


def mosaic(rows: list) -> np.ndarray:
    """rows of (n, h, w) images -> one array, tiles separated by NaN gaps (drawn as background)."""
    n, h, w = rows[0].shape
    out = np.full((len(rows) * (h + GAP) - GAP, n * (w + GAP) - GAP), np.nan)
    for r, images in enumerate(rows):
        for c, image in enumerate(images):
            out[r * (h + GAP):r * (h + GAP) + h, c * (w + GAP):c * (w + GAP) + w] = image
    return out


def image_rows(rows: dict, col_labels=None, width: int = 1000, hover="p", gap_colour="#ffffff") -> go.Figure:
    """Labelled rows of equally sized images, pixel values 0 (black) to 1 (white); hover shows each value.

    The height follows the mosaic's aspect ratio at `width` pixels, so tiles stay square without padding.
    """
    images = [np.asarray(v) for v in rows.values()]
    n, h, w = images[0].shape
    z = mosaic(images)
    fig = go.Figure(go.Heatmap(z=z, colorscale="gray", zmin=0, zmax=1, showscale=False,
                               hovertemplate=f"{hover} = %{{z:.2f}}<extra></extra>", hoverongaps=False))
    fig.update_yaxes(autorange="reversed", tickvals=[r * (h + GAP) + h / 2 for r in range(len(images))],
                     ticktext=list(rows), scaleanchor="x", constrain="domain", showgrid=False, zeroline=False,
                     tickfont={"size": 16})
    fig.update_xaxes(showgrid=False, zeroline=False, showticklabels=col_labels is not None, constrain="domain",
                     tickvals=[c * (w + GAP) + w / 2 for c in range(n)], ticktext=col_labels, side="top")
    top = 30 if col_labels is not None else 5
    fig.update_layout(height=round((width - 130) * z.shape[0] / z.shape[1]) + top + 5,
                      margin={"l": 10, "r": 10, "t": top, "b": 5}, plot_bgcolor=gap_colour)
    return fig


def grid(image: np.ndarray, height: int = 470) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=1, showscale=False,
                               hovertemplate="p = %{z:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", visible=False)
    fig.update_xaxes(constrain="domain", visible=False)
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def blur_bars(rows: list) -> go.Figure:
    """One panel per measure, one bar per row of the blur table, coloured by model."""
    fig = make_subplots(1, len(MEASURE_LABELS), subplot_titles=list(MEASURE_LABELS.values()), horizontal_spacing=0.08)
    for i, key in enumerate(MEASURE_LABELS, start=1):
        fig.add_trace(go.Bar(x=[r["images"] for r in rows], y=[r[key] for r in rows], showlegend=False,
                             marker_color=[MODEL_COLOURS.get(r["model"], "#888888") for r in rows],
                             texttemplate="%{y:.2f}", textposition="outside", cliponaxis=False,
                             hovertemplate="%{x}: %{y:.3f}<extra></extra>"), 1, i)
    fig.update_layout(height=430, margin={"l": 10, "r": 10, "t": 60, "b": 10})
    fig.update_xaxes(tickangle=-35)
    return fig


def fit_traces(traces: dict, pixel: int, target: float) -> go.Figure:
    """The fitted output at one toy pixel after each Adam step, per loss, against the data's mean."""
    fig = go.Figure()
    for name, trace in traces.items():
        fig.add_trace(go.Scatter(y=trace[:, pixel], name=name, mode="lines", line={"color": MODEL_COLOURS[name]}))
    fig.add_hline(y=target, line_dash="dot", annotation_text=f"mean of the data = {target:.2f}")
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_range=[0, 1],
                      xaxis_title="Adam step", yaxis_title=f"output at pixel {pixel}")
    return fig


def pixel_histogram(values: np.ndarray, outputs: dict) -> go.Figure:
    """What the neighbours' pixel holds (mostly 0 or 1) against each model's single output there."""
    counts, edges = np.histogram(values, bins=20, range=(0, 1))
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=0.045, marker_color="#aaaaaa",
                           name="neighbours' values"))
    fig.add_trace(go.Scatter(x=[values.mean()] * 2, y=[0, counts.max()], mode="lines", line_dash="dot",
                             line_color="#444444", name=f"neighbours' mean {values.mean():.2f}"))
    for i, (name, value) in enumerate(outputs.items()):
        # Each line narrower than the one before, so equal outputs stay visible side by side.
        fig.add_trace(go.Scatter(x=[value, value], y=[0, counts.max()], mode="lines", name=f"{name} output {value:.2f}",
                                 line={"color": MODEL_COLOURS.get(name, "#000"), "width": 8 - 4 * i}))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title="pixel value",
                      yaxis_title="neighbours", xaxis_range=[0, 1], legend={"x": 0.35, "y": 1})
    return fig
