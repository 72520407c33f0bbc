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


def mosaic_figure(images: np.ndarray, cols: int, tile: int = 56) -> go.Figure:
    """Images (n, 28, 28) side by side in rows of `cols`, one pixel of black between them."""
    rows = -(-len(images) // cols)
    canvas = np.zeros((rows * 29 - 1, cols * 29 - 1), dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        canvas[29 * r:29 * r + 28, 29 * c:29 * c + 28] = image
    fig = digit_figure(canvas, size=tile * cols)
    fig.update_layout(height=tile * rows)
    return fig
