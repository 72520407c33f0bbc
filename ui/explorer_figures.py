"""Figures for the latent explorer page, built from numbers; no widgets here."""
import numpy as np
import plotly.graph_objects as go


def digit_figure(image: np.ndarray, size: int = 220) -> go.Figure:
    """One 28x28 image in [0, 1], white ink on black as MNIST stores digits."""
    fig = go.Figure(go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=1, showscale=False,
                               hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(width=size, height=size, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return fig
