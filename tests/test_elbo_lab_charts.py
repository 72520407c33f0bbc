"""The ELBO lab's four digit figures: the data each canvas chart gets (against the numbers computed directly), and in
Chromium what the charts draw, what the pointer reads from them, and how they fit a phone."""
import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from app_pages.elbo_lab.figures import density_levels, gradient_figure, iwae_figure, monte_carlo_figure, posterior_figure
from conftest import ARTIFACTS
from vae.estimators import gradient_samples, iwae_curve, log_likelihood_samples
from vae.posterior import decompose
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_targets

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "elbo_lab" / "page.py")


def test_the_monte_carlo_figure_draws_every_early_step_and_log_spaced_later_ones():
    draws = np.random.default_rng(0).normal(-100.0, 5.0, 5000)
    running = np.cumsum(draws) / np.arange(1, 5001)
    panel = monte_carlo_figure(running, -100.0, 5.0, "m")["panels"][0]
    band, target, mean = panel["series"]
    t, y = np.asarray(mean["x"]), np.asarray(mean["y"])
    assert len(t) < 300 and list(t[:55]) == list(range(1, 56)) and t[-1] == 5000
    assert np.all(np.diff(np.log(t[54:])) < 0.04)  # after those, no step wider than 4% on the log axis: the same curve
    np.testing.assert_allclose(y, running[t - 1], atol=5e-4)  # 3 decimals
    np.testing.assert_allclose(np.subtract(band["y"], band["y2"]), 2 * 5.0 / np.sqrt(t), atol=2e-3)
    assert panel["xlog"] and panel["range"][2:] == [-115.0, -85.0] and target["y"] == [-100.0, -100.0]


@pytest.fixture(scope="module")
def digit_numbers(mnist):
    """bce's numbers for test digit 7, as the lab computes them."""
    ckpt = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors")
    x = eval_targets(mnist, ckpt.train_config)[7]
    return {"dec": decompose(ckpt.model, x),
            "grad": gradient_samples(ckpt.model, x, 2000, torch.Generator().manual_seed(0)),
            "curve": iwae_curve(ckpt.model, x, ks=(1, 10, 100, 1000), repeats=10, generator=torch.Generator().manual_seed(7))}


def test_the_posterior_chart_shades_the_density_and_draws_its_mass_contours(digit_numbers):
    dec = digit_numbers["dec"]
    chart = posterior_figure(dec, "bce/7")
    panel = chart["panels"][0]
    image = panel["image"]
    za, zb = dec["axes"]
    density = np.exp(dec["log_posterior"]).T
    cells = np.frombuffer(base64.b64decode(image["values"]), np.uint8).reshape(image["rows"], -1)
    assert cells.shape == density.shape and cells.max() == 255  # a byte a cell, rows along z2, the peak darkest
    np.testing.assert_allclose(cells / 255, density / density.max(), atol=0.5 / 255 + 1e-9)
    assert image["x"] == [float(za[0]), float(za[-1])] and image["y"] == [float(zb[0]), float(zb[-1])]
    one_sigma = panel["series"][1]  # the 1-sigma-mass contour: density there is its level
    level = density_levels(density)[1]
    pts = np.array([(x, y) for x, y in zip(one_sigma["x"], one_sigma["y"]) if x is not None])
    i, j = np.searchsorted(zb, pts[:, 1]), np.searchsorted(za, pts[:, 0])
    assert None in one_sigma["x"]  # pieces end with a break, not NaN (JSON has none)
    blocks = [density[max(a - 2, 0):a + 2, max(b - 2, 0):b + 2] for a, b in zip(i, j)]  # around each point (rounded)
    assert all(b.min() <= level <= b.max() for b in blocks)  # each point lies where the density crosses the level
    mu = panel["series"][-1]
    assert (mu["x"][0], mu["y"][0]) == pytest.approx(tuple(dec["mu"]), abs=1e-4) and panel["equal"]
    assert chart["mark"] == "bce/7" and len(chart["legend"]) == 5


def test_the_iwae_chart_has_the_bound_for_each_k_and_the_two_reference_lines(digit_numbers):
    curve, dec = digit_numbers["curve"], digit_numbers["dec"]
    panel = iwae_figure(curve, dec["log_px"], dec["elbo"], "m")["panels"][0]
    (bound,) = panel["series"]
    assert bound["x"] == [1, 10, 100, 1000] and bound["y"] == pytest.approx(curve["mean"], abs=5e-4)
    assert bound["err"] == pytest.approx(curve["std"], abs=5e-4)
    assert [h["y"] for h in panel["hlines"]] == [dec["log_px"], dec["elbo"]]
    assert bound["y"][0] < bound["y"][-1] <= dec["log_px"] + 3 * curve["std"][-1]  # it climbs towards log p(x)
    assert len(iwae_figure(curve, None, dec["elbo"], "m")["panels"][0]["hlines"]) == 1  # beyond 2-D: no quadrature


def test_the_gradient_chart_bins_every_sample_of_both_estimators(digit_numbers):
    samples = digit_numbers["grad"]
    series = gradient_figure(samples, "m")["panels"][0]["series"]
    for s, key in zip(series, ("score", "reparam")):
        assert s["kind"] == "bars" and sum(s["y"]) == 2000 and len(s["x"]) == 120
        lo, hi = samples[key][:, 0].min(), samples[key][:, 0].max()
        assert s["x"][0] - s["widths"][0] / 2 == pytest.approx(lo, abs=1e-3)
        assert s["x"][-1] + s["widths"][-1] / 2 == pytest.approx(hi, abs=1e-3)
    assert np.ptp(series[0]["x"]) > 100 * np.ptp(series[1]["x"])  # the score function's spread dwarfs the other


def test_a_2d_models_iwae_curve_climbs_to_k_1000_in_10_blocks(digit_numbers):
    lab = AppTest.from_file(PAGE, default_timeout=120).run()
    lab.selectbox(key="elbo_lab_checkpoint").select("bce").run()
    lab.number_input(key="elbo_lab_index").set_value(7).run()
    curve = digit_numbers["curve"]
    caption = next(c.value for c in lab.caption if c.value.startswith("K = "))
    assert caption.startswith(f"K = 1,000: {curve['mean'][-1]:.3f} ± {curve['std'][-1]:.3f} nats")
    assert any(m.value.startswith("10,000 draws are split") for m in lab.markdown) and not lab.exception


CHARTS = ("posterior", "iwae", "gradient", "mc")


def chart_root(page, key):
    return page.locator(f".st-key-elbo_lab_{key}_chart .lc-root")  # inside the component's shadow root


def canvas_colours(page, key) -> dict:
    """How many pixels of the chart's canvas are near each of the lab's colours (a count per colour)."""
    return chart_root(page, key).locator("canvas").evaluate("""c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, out = {};
        const named = {posterior: [31, 119, 180], q: [214, 39, 40], reparam: [44, 160, 44], score: [255, 127, 14]};
        for (let i = 0; i < d.length; i += 4) for (const [k, [r, g, b]] of Object.entries(named))
            if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 40) out[k] = (out[k] || 0) + 1;
        return out; }""")


def test_lab_renders_in_chromium(app_url, page):
    page.goto(f"{app_url}/elbo_lab?checkpoint=bce&digit=7")
    page.wait_for_selector("text=6 · KL divergence has a direction", timeout=90000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=90000)  # 1-D sections
    for key in CHARTS:
        page.wait_for_function("([el]) => el.dataset.last && el.dataset.last.startsWith('\"bce/7')",
                               arg=[chart_root(page, key).element_handle(timeout=90000)], timeout=90000)
    assert page.get_by_text("difference").first.is_visible()
    colours = {key: canvas_colours(page, key) for key in CHARTS}
    assert colours["posterior"].get("q", 0) > 300 and colours["posterior"].get("posterior", 0) > 300  # q and p(z|x)
    assert colours["iwae"].get("reparam", 0) > 200 and colours["iwae"].get("q", 0) > 100  # the bound and the ELBO
    assert colours["gradient"].get("score", 0) > 1000  # the score function's wide histogram
    assert colours["mc"].get("score", 0) > 200  # the running mean
    # the pointer reads the figure: a point of the plane, a bound of the curve
    canvas = chart_root(page, "posterior").locator("canvas")
    box = canvas.bounding_box()
    canvas.hover(position={"x": box["width"] / 2, "y": box["height"] / 2})
    assert re.fullmatch(r"z₁ = -?[\d.]+, z₂ = -?[\d.]+", chart_root(page, "posterior").locator(".lc-readout").inner_text())
    canvas = chart_root(page, "iwae").locator("canvas")
    box = canvas.bounding_box()
    canvas.hover(position={"x": box["width"] - 40, "y": box["height"] / 2})  # near the right end
    assert chart_root(page, "iwae").locator(".lc-readout").inner_text().startswith("IWAE bound: K = 1000, bound = -")
    page.set_viewport_size({"width": 1400, "height": 5600})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "elbo_lab.png"))
    assert page.console_errors == []


def test_the_lab_charts_fit_a_phone_and_follow_a_turned_screen(app_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_url}/elbo_lab?checkpoint=bce&digit=7")
    root = chart_root(page, "posterior")
    page.wait_for_function("([el]) => el.dataset.last", arg=[root.element_handle(timeout=90000)], timeout=90000)
    for key in CHARTS:
        width = chart_root(page, key).locator("canvas").evaluate("c => c.getBoundingClientRect().right")
        assert width <= 390, key  # nothing runs off the side of the phone
    draws, width = int(root.get_attribute("data-draws")), root.locator("canvas").evaluate("c => c.width")
    page.set_viewport_size({"width": 844, "height": 390})  # turned on its side: columns side by side, redrawn to fit
    page.wait_for_function("([el, n]) => Number(el.dataset.draws) > n", arg=[root.element_handle(), draws])
    fit = root.evaluate("el => [el.querySelector('canvas').width, el.clientWidth]")
    assert fit[0] != width and fit[0] == fit[1]
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "elbo_lab_phone.png"), full_page=True)
    assert page.console_errors == []


def chart_data(at, key) -> dict:
    return json.loads(next(e for e in at.get("bidi_component") if e.proto.id.endswith(f"elbo_lab_{key}_chart")).proto.json)


def test_a_2d_models_first_monte_carlo_draws_are_the_iwaes_own(digit_numbers, mnist):
    lab = AppTest.from_file(PAGE, default_timeout=120).run()
    lab.selectbox(key="elbo_lab_checkpoint").select("bce").run()
    lab.number_input(key="elbo_lab_index").set_value(7).run()
    mean = chart_data(lab, "mc")["panels"][0]["series"][2]
    shared = digit_numbers["curve"]["log_lik"][:5000]
    assert mean["x"][-1] == 5000 and mean["y"][-1] == pytest.approx(shared.mean(), abs=1e-3)
    lab.button(key="elbo_lab_mc_redraw").click().run()
    redrawn = chart_data(lab, "mc")["panels"][0]["series"][2]["y"][-1]
    ckpt = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors")
    other = log_likelihood_samples(ckpt.model, eval_targets(mnist, ckpt.train_config)[7], 5000,
                                   torch.Generator().manual_seed(10_001))
    assert redrawn == pytest.approx(other.mean().item(), abs=1e-3) and redrawn != mean["y"][-1]
