"""The rate-distortion chart (Alemi et al. 2018, "Fixing a Broken ELBO"): rate = KL(q(z|x) || p(z)) and distortion
= -E_q[log p(x|z)], both in nats per test image, with the lines on which their sum, the -ELBO, is the same."""
import numpy as np
import plotly.graph_objects as go

LADDER_STYLE = {"β ladder (2-D)": ("#d62728", "circle"), "latent size ladder (β = 1)": ("#1f77b4", "diamond")}


def equal_elbo_levels(points: list[dict], step: float = 10.0) -> list[float]:
    """Values of D + R, every `step` nats, spanning the points."""
    totals = [p["rate"] + p["distortion"] for p in points]
    return list(np.arange(np.floor(min(totals) / step) * step, np.ceil(max(totals) / step) * step + step, step))


def rate_distortion_figure(points: list[dict], height: int = 560) -> go.Figure:
    """points: {"name", "ladder", "rate", "distortion", "label"}; each ladder a line of markers, in its order."""
    fig = go.Figure()
    rates = [p["rate"] for p in points]
    r_max = max(rates) * 1.1 + 1
    for level in equal_elbo_levels(points):
        fig.add_trace(go.Scatter(x=[0, r_max], y=[level, level - r_max], mode="lines", hoverinfo="skip",
                                 line={"color": "#bbbbbb", "dash": "dot", "width": 1}, showlegend=False))
        fig.add_annotation(x=0, y=level, text=f"−ELBO {level:.0f}", showarrow=False, xanchor="left", yanchor="top",
                           font={"size": 10, "color": "#888888"})
    for ladder, (colour, symbol) in LADDER_STYLE.items():
        mine = [p for p in points if p["ladder"] == ladder]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            x=[p["rate"] for p in mine], y=[p["distortion"] for p in mine], mode="lines+markers+text", name=ladder,
            text=[p["label"] for p in mine],
            textposition=[("top right", "bottom right")[k % 2] for k in range(len(mine))],  # close points stay legible
            customdata=[p["name"] for p in mine],
            marker={"size": 12, "color": colour, "symbol": symbol}, line={"color": colour, "width": 1},
            hovertemplate="%{customdata}<br>rate %{x:.2f} nats<br>distortion %{y:.2f} nats<extra></extra>"))
    distortions = [p["distortion"] for p in points]
    fig.update_xaxes(title="rate R = KL(q(z|x) ‖ p(z)), nats per image", range=[0, r_max], rangemode="tozero")
    fig.update_yaxes(title="distortion D = −E_q[log p(x|z)], nats per image",
                     range=[min(distortions) - 8, max(distortions) + 8])
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": -0.18}, clickmode="event+select")
    return fig
