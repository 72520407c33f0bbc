"""What the page draws besides the plane: a table of decoded images (rows are classes, columns latent points),
drawn by a small canvas component, and p(y|x) as ten bars."""
import base64
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ui.figures import DIGIT_COLOURS

TABLE = st.components.v2.component(
    "vae_class_table", js=(Path(__file__).resolve().parent / "assets" / "table.js").read_text())


def image_table(images: np.ndarray, rows, columns, key: str, cell: int = 56) -> None:
    """images (R, C, 28, 28) in [0, 1], white ink on black; row and column names drawn beside them (as text on a
    canvas, never markup); each image at most `cell` CSS pixels, smaller on a narrow screen."""
    grey = np.clip(np.round(np.asarray(images, dtype=np.float64) * 255), 0, 255).astype(np.uint8)
    TABLE(key=key, data={"rows": [str(r) for r in rows], "columns": [str(c) for c in columns], "cell": cell,
                         "pixels": base64.b64encode(grey.tobytes()).decode()})


def posterior_bars(p_y: np.ndarray, log_px_y: np.ndarray, classes, truth: int | None) -> go.Figure:
    """p(y|x) for the ten classes, one horizontal bar each, the true class (when known) outlined; a bar's hover
    gives its exact p(y|x) and log p(x|y)."""
    names = [str(c) for c in classes]
    fig = go.Figure(go.Bar(customdata=[float(v) for v in log_px_y],
        x=[float(p) for p in p_y], y=names, orientation="h", marker_color=list(DIGIT_COLOURS),
        marker_line_color=["#000" if k == truth else "rgba(0,0,0,0)" for k in range(len(names))],
        marker_line_width=2, text=[f"{p:.3f}" for p in p_y], textposition="outside", cliponaxis=False,
        hovertemplate="p(y = %{y} | x) = %{x:.3e}<br>log p(x | y = %{y}) = %{customdata:.3f} nats<extra></extra>"))
    fig.update_layout(height=330, margin={"l": 10, "r": 40, "t": 10, "b": 30}, xaxis_range=[0, 1.12],
                      xaxis_title="p(y | x)", showlegend=False)
    fig.update_yaxes(type="category", autorange="reversed")  # MNIST's names are digits: categories, not numbers
    return fig
