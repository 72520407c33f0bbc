"""The rate-distortion chart (Alemi et al. 2018, "Fixing a Broken ELBO"): rate = KL(q(z|x) || p(z)) and distortion
= -E_q[log p(x|z)], both in nats per test image, with the lines on which their sum, the -ELBO, is the same. The Latent
size page draws the shipped ladders on it; the Class page draws a class's models beside them."""
import numpy as np
import plotly.graph_objects as go

LADDER_STYLE = {"β ladder (2-D)": ("#d62728", "circle"), "latent size ladder (β = 1)": ("#1f77b4", "diamond")}
# Groups that are not ladders (a class's models, one group per value of the setting the class varies): no line
# between their points, a colour each in turn (a palette without the ladders' red and blue).
GROUP_COLOURS = ("#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
                 "#393b79", "#637939", "#8c6d31", "#843c39")


def equal_elbo_levels(points: list[dict], step: float = 10.0, most: int = 16) -> list[float]:
    """Values of D + R spanning the points, every `step` nats, or every 2, 5 or 10 times that when more than `most`
    lines would crowd the chart."""
    totals = [p["rate"] + p["distortion"] for p in points]
    lo, hi = min(totals), max(totals)
    for factor in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if (hi - lo) / (step * factor) < most:
            break
    step *= factor
    return list(np.arange(np.floor(lo / step) * step, np.ceil(hi / step) * step + step, step))


def _trace(group: str, mine: list[dict], k: int, labelled: bool) -> go.Scatter:
    ladder = group in LADDER_STYLE
    colour, symbol = LADDER_STYLE[group] if ladder else (GROUP_COLOURS[k % len(GROUP_COLOURS)], "square")
    return go.Scatter(
        x=[p["rate"] for p in mine], y=[p["distortion"] for p in mine], name=group,
        mode=("lines+" if ladder else "") + "markers" + ("+text" if labelled else ""),
        text=[p["label"] for p in mine],
        textposition=[("top right", "bottom right")[i % 2] for i in range(len(mine))],  # close points stay legible
        customdata=[p["name"] for p in mine],
        marker={"size": 12 if ladder else 13, "color": colour, "symbol": symbol,
                "line": {"width": 0 if ladder else 1, "color": "white"}},
        line={"color": colour, "width": 1},
        hovertemplate=("%{customdata}" if ladder else "%{text}") + "<br>rate %{x:.2f} nats<br>distortion %{y:.2f} nats<extra></extra>")


def rate_distortion_figure(points: list[dict], height: int = 560, label_groups: bool = True) -> go.Figure:
    """points: {"name", "ladder", "rate", "distortion", "label"}; "ladder" is the point's group: a ladder of
    LADDER_STYLE is a line of markers in its order, any other group a set of markers of one colour. Names and labels
    are plain text the caller vouches for (plotly reads a little HTML in them)."""
    fig = go.Figure()
    rates = [p["rate"] for p in points]
    r_max = max(rates) * 1.1 + 1
    for level in equal_elbo_levels(points):
        fig.add_trace(go.Scatter(x=[0, r_max], y=[level, level - r_max], mode="lines", hoverinfo="skip",
                                 line={"color": "#bbbbbb", "dash": "dot", "width": 1}, showlegend=False))
        fig.add_annotation(x=0, y=level, text=f"−ELBO {level:.0f}", showarrow=False, xanchor="left", yanchor="top",
                           font={"size": 10, "color": "#888888"})
    groups = list(dict.fromkeys(p["ladder"] for p in points))
    for k, group in enumerate([g for g in groups if g in LADDER_STYLE] + [g for g in groups if g not in LADDER_STYLE]):
        labelled = group in LADDER_STYLE or label_groups
        fig.add_trace(_trace(group, [p for p in points if p["ladder"] == group], k, labelled))
    distortions = [p["distortion"] for p in points]
    fig.update_xaxes(title="rate R = KL(q(z|x) ‖ p(z)), nats per image", range=[0, r_max], rangemode="tozero")
    fig.update_yaxes(title="distortion D = −E_q[log p(x|z)], nats per image",
                     range=[min(distortions) - 8, max(distortions) + 8])
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": -0.18}, clickmode="event+select")
    return fig
