"""Plotly figures built from numbers; no widgets here."""
import numpy as np
import plotly.graph_objects as go

# One colour per class, every page's: Paul Tol's "muted" scheme, whose nine colours stay apart for the common
# colour blindnesses (https://personal.sron.nl/~pault/#sec:qualitative), and a mid grey for the tenth. Colour is not
# the only cue: each map also names every class at the middle of its codes (class_names).
DIGIT_COLOURS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE",
                 "#882255", "#44AA99", "#999933", "#AA4499", "#777777")
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
    class_names(fig, mu, labels, classes)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"title": item, "itemsizing": "constant"},
                      xaxis_title="z₁", yaxis_title="z₂")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)  # equal units, so the prior's circles look round
    return fig


def class_names(fig: go.Figure, mu: np.ndarray, labels: np.ndarray, classes=DIGITS) -> go.Figure:
    """Each class's name at the median of its codes, black on white in either theme: the map reads without colour.
    Annotations, since a text trace would be drawn under the WebGL points."""
    for k, name in enumerate(classes):
        pts = mu[labels == k]
        if not len(pts):
            continue
        centre = np.median(pts[:, :2], axis=0)
        fig.add_annotation(x=float(centre[0]), y=float(centre[1]), text=f"<b>{name}</b>", showarrow=False,
                           font={"color": "black", "size": 14}, bgcolor="rgba(255, 255, 255, 0.8)", borderpad=1)
    return fig
