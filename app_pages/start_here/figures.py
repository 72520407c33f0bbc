"""Figures for the lesson: its maps as canvas charts (ui/chart.py), the rest plotly. Colours are mid-tones that read on
both the light and the dark theme; plotly's backgrounds, fonts and grids are left to Streamlit's theme."""
import numpy as np
import plotly.graph_objects as go

from ui.chart import packed, rounded
from ui.figures import DIGIT_COLOURS, DIGITS

PRIOR_COLOUR, Q_COLOUR, SAMPLE_COLOUR, MEAN_COLOUR = "#8c8c8c", "#e4572e", "#f2a541", "#29a3d6"


def circle(radius: float, centre=(0.0, 0.0), scale=(1.0, 1.0), n: int = 120):
    t = np.linspace(0, 2 * np.pi, n)
    return centre[0] + radius * scale[0] * np.cos(t), centre[1] + radius * scale[1] * np.sin(t)


def _line(fig, xy, name, colour, dash="solid", width=3, legend=True):
    fig.add_trace(go.Scatter(x=xy[0], y=xy[1], mode="lines", name=name, showlegend=legend, hoverinfo="skip",
                             line={"color": colour, "dash": dash, "width": width}))


def sized(fig: go.Figure, font: int) -> go.Figure:
    """Set every text size explicitly: Streamlit's theme sizes legends and axes itself, over layout.font."""
    fig.update_layout(font={"size": font}, legend_font_size=font, title_font_size=font + 2)
    fig.update_xaxes(tickfont_size=font, title_font_size=font)
    return fig.update_yaxes(tickfont_size=font, title_font_size=font)


def map_with_samples(mu, labels, z, height: int, font: int, classes=DIGITS, item="digit") -> dict:
    """The encoded test set with the prior's 2σ circle and the prior samples z marked as crosses, as the canvas chart's
    data: the lesson's first figure, drawn as soon as the page arrives, where plotly.js (4.7 MB) takes a browser a
    couple of seconds to start (bench/cold_start.py). The codes go packed (ui/chart.py packed), the rest as lists."""
    series = [{"x": packed(mu[labels == k, 0]), "y": packed(mu[labels == k, 1]), "colour": DIGIT_COLOURS[k],
               "size": 3, "alpha": 0.7} for k in range(len(classes))]
    legend = [{"name": name, "colour": DIGIT_COLOURS[k]} for k, name in enumerate(classes)]
    x, y = circle(2.0)
    series.append({"x": rounded(x), "y": rounded(y), "colour": PRIOR_COLOUR, "dash": True, "width": 2.5})
    legend.append({"name": "prior, 2σ", "colour": PRIOR_COLOUR, "dash": True})
    if len(z):
        series.append({"x": rounded(z[:, 0]), "y": rounded(z[:, 1]), "colour": SAMPLE_COLOUR, "symbol": "x", "size": 11})
        legend.append({"name": "z ~ N(0, I)", "colour": SAMPLE_COLOUR})
    panel = {"xlabel": "z₁", "ylabel": "z₂", "equal": True, "series": series, "names": list(classes),
             "readout": {"x": "z₁", "y": "z₂"}}
    return {"height": height, "font": font, "panels": [panel], "legend": legend,
            "note": f"each dot a test {item}'s code, coloured by its class"}


def mosaic(images: np.ndarray, cols: int, gap: int = 2) -> np.ndarray:
    """(N, 28, 28) -> one image with `cols` digits per row and NaN gaps (drawn transparent) between them. Single
    precision: a grid of 16 digits is half the bytes (100 kB, not 180) and the same picture."""
    rows = -(-len(images) // cols)
    out = np.full((rows * (28 + gap) - gap, cols * (28 + gap) - gap), np.nan, dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (28 + gap):r * (28 + gap) + 28, c * (28 + gap):c * (28 + gap) + 28] = image
    return out


def image_grid(images: np.ndarray, cols: int, height: int) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=mosaic(images, cols), colorscale="gray", zmin=0, zmax=1, showscale=False,
                               hovertemplate="p = %{z:.2f}<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return fig


def posterior_figure(cloud: np.ndarray, post: dict, beta: float, height: int, font: int) -> go.Figure:
    """One digit's q(z|x) as 1σ and 2σ ellipses over the other codes, against the prior's 1σ and 2σ circles."""
    fig = go.Figure(go.Scattergl(x=cloud[:, 0], y=cloud[:, 1], mode="markers", name="other test digits' means",
                                 marker={"size": 4, "color": MEAN_COLOUR, "opacity": 0.35}, hoverinfo="skip"))
    for k, dash in ((1, "solid"), (2, "dash")):
        _line(fig, circle(k), f"prior N(0, I), {k}σ", PRIOR_COLOUR, dash, legend=True)
        _line(fig, circle(k, post["mu"], post["std"]), f"q(z|x), {k}σ", Q_COLOUR, dash, width=4)
    fig.add_trace(go.Scatter(x=[post["mu"][0]], y=[post["mu"][1]], mode="markers", name="its mean μ",
                             marker={"size": 7, "color": Q_COLOUR, "symbol": "diamond"}))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      title=f"β = {beta:g}", xaxis_title="z₁", yaxis_title="z₂",
                      xaxis_range=[-4, 4], yaxis_range=[-4, 4], legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return sized(fig, font)


def pixel_figure(values: np.ndarray, output: float, height: int, font: int) -> go.Figure:
    """The neighbours' values at one pixel, their mean, and what the decoder outputs there."""
    fig = go.Figure(go.Histogram(x=values, xbins={"start": 0, "end": 1.0001, "size": 0.05}, name="neighbours",
                                 marker={"color": MEAN_COLOUR}))
    mean = float(values.mean())
    for x, name, colour, dash in ((mean, f"their mean {mean:.2f}", SAMPLE_COLOUR, "dash"),
                                  (output, f"decoder output {output:.2f}", Q_COLOUR, "solid")):
        fig.add_vline(x=x, line={"color": colour, "dash": dash, "width": 4})
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=name, line={"color": colour, "dash": dash}))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title="pixel value (0 = black, 1 = white)", yaxis_title="number of digits",
                      xaxis_range=[-0.02, 1.02], legend={"orientation": "h", "y": -0.25}, bargap=0.05)
    return sized(fig, font)
