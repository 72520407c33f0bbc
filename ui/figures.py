"""Plotly figures built from numbers; no widgets here."""
import numpy as np
import plotly.graph_objects as go

# Ten distinguishable colours (plotly's D3 palette), one per class.
DIGIT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
DIGITS = tuple(str(k) for k in range(10))  # MNIST's class names


def latent_scatter(mu: np.ndarray, labels: np.ndarray, height: int = 640, classes=DIGITS,
                   item: str = "digit") -> go.Figure:
    """The encoded test set, one WebGL trace per class so the legend toggles classes; named by `classes`."""
    fig = go.Figure()
    for k, name in enumerate(classes):
        pts = mu[labels == k]
        fig.add_trace(go.Scattergl(
            x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
            marker={"size": 4, "color": DIGIT_COLOURS[k], "opacity": 0.7},
            hovertemplate=f"{item} {name}<br>z = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"title": item, "itemsizing": "constant"},
                      xaxis_title="z₁", yaxis_title="z₂")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)  # equal units, so the prior's circles look round
    return fig
