"""The reparameterization diagram: an SVG with CSS animation (no script), drawn in the page's text colour
(currentColor) so it reads on the light and the dark theme alike."""

EPS_DRAWS = ("(0.31, −1.20)", "(−0.84, 0.47)", "(1.52, 0.09)", "(−0.12, −0.66)")
PERIOD = 8  # seconds for one cycle of the ε draws

STYLE = """
<style>
.rp {width: 100%; max-width: 1500px; color: inherit; font-family: inherit;}
.rp text {fill: currentColor; font-size: 20px; text-anchor: middle; dominant-baseline: middle;}
.rp .small {font-size: 16px; opacity: 0.8;}
.rp .box {fill: rgba(41, 163, 214, 0.14); stroke: currentColor; stroke-width: 2;}
.rp .noise {fill: rgba(242, 165, 65, 0.25); stroke: #f2a541; stroke-width: 3; transform-box: fill-box;
  transform-origin: center; animation: rp-pulse 2s ease-in-out infinite;}
.rp .fwd {stroke: currentColor; stroke-width: 2.5; fill: none; stroke-dasharray: 8 6;
  animation: rp-flow 1.2s linear infinite;}
.rp .rand {stroke: #f2a541; stroke-width: 3; fill: none; stroke-dasharray: 8 6; animation: rp-flow 1.2s linear infinite;}
.rp .grad {stroke: #e4572e; stroke-width: 3; fill: none; stroke-dasharray: 4 8; animation: rp-back 1.2s linear infinite;}
.rp .gradtext {fill: #e4572e;}
.rp .draw {opacity: 0; animation: rp-cycle PERIODs steps(1) infinite;}
@keyframes rp-flow {to {stroke-dashoffset: -28;}}
@keyframes rp-back {to {stroke-dashoffset: 24;}}
@keyframes rp-pulse {50% {transform: scale(1.12);}}
@keyframes rp-cycle {0% {opacity: 1;} SHARE% {opacity: 0;} 100% {opacity: 0;}}
@media (prefers-reduced-motion: reduce) {.rp * {animation: none !important;} .rp .draw:first-of-type {opacity: 1;}}
</style>
"""


def _box(x, y, w, h, label, sub=""):
    text = f'<text x="{x + w / 2}" y="{y + h / 2 - (10 if sub else 0)}">{label}</text>'
    if sub:
        text += f'<text class="small" x="{x + w / 2}" y="{y + h / 2 + 16}">{sub}</text>'
    return f'<rect class="box" x="{x}" y="{y}" width="{w}" height="{h}" rx="12"/>{text}'


def _path(d, cls):
    return f'<path class="{cls}" d="{d}" marker-end="url(#rp-arrow)"/>'


def _draws():
    """The ε values shown in turn, each for an equal share of the period."""
    step = PERIOD / len(EPS_DRAWS)
    return "".join(f'<text class="draw small" x="520" y="330" style="animation-delay:{i * step}s">ε = {v}</text>'
                   for i, v in enumerate(EPS_DRAWS))


def diagram_html() -> str:
    style = STYLE.replace("PERIOD", str(PERIOD)).replace("SHARE", f"{100 / len(EPS_DRAWS):g}")
    parts = [
        _box(10, 120, 110, 70, "x", "image"), _box(170, 120, 150, 70, "encoder", "weights φ"),
        _box(380, 40, 110, 60, "μ"), _box(380, 210, 110, 60, "σ"),
        '<circle class="box" cx="640" cy="155" r="30"/><text x="640" y="155">+</text>',
        '<circle class="box" cx="540" cy="240" r="26"/><text x="540" y="240">×</text>',
        '<ellipse class="noise" cx="520" cy="330" rx="150" ry="34"/>', _draws(),
        '<text class="small" x="520" y="385">ε ~ N(0, I): the only random thing, drawn outside the network</text>',
        _box(720, 120, 110, 70, "z", "μ + σ·ε"), _box(880, 120, 150, 70, "decoder", "weights θ"),
        _box(1090, 120, 110, 70, "x̂", "p(x|z)"),
        _path("M120 155 H165", "fwd"), _path("M320 140 L375 75", "fwd"), _path("M320 170 L375 235", "fwd"),
        _path("M490 70 L612 145", "fwd"), _path("M490 240 H510", "fwd"), _path("M560 225 L615 170", "fwd"),
        _path("M520 296 L535 268", "rand"), _path("M670 155 H715", "fwd"), _path("M830 155 H875", "fwd"),
        _path("M1030 155 H1085", "fwd"),
        '<path class="grad" d="M720 135 C 640 20, 560 20, 495 55"/>',
        '<path class="grad" d="M720 175 C 660 280, 600 290, 495 255"/>',
        '<text class="small gradtext" x="600" y="25">∂loss/∂μ flows back</text>',
        '<text class="small gradtext" x="740" y="280">∂loss/∂σ flows back</text>',
    ]
    defs = ('<defs><marker id="rp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="currentColor"/></marker></defs>')
    return f'{style}<svg class="rp" viewBox="0 0 1210 400" role="img" aria-label="z = mu + sigma times epsilon">' \
           f'{defs}{"".join(parts)}</svg>'
