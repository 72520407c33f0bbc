"""The ELBO lab's gap section (1b): under AppTest its numbers are vae.gap's for the digit, its chart holds the three
Gaussians' ellipses, its table is checkpoints/gap.json's; in Chromium it draws at a phone's, a projector's and a
desktop's size without running off the side."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from app_pages.elbo_lab.figures_gap import gaussian_ellipse
from conftest import ARTIFACTS
from vae.gap import scale_tril, split
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.serve.gap_table import read_table
from vae.trainer import eval_targets

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "elbo_lab" / "page.py")


def number(text):
    return float(re.search(r"-?[\d,]+\.?\d*", text).group().replace(",", ""))


@pytest.fixture(scope="module")
def lab():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params.update(checkpoint="bce", digit="7")
    return at.run()


def test_the_fit_waits_until_asked_then_shows_the_digits_split(lab, mnist):
    assert not lab.exception and not lab.error
    assert not [m for m in lab.metric if m.label.startswith("ELBO, diagonal q*")]  # nothing fitted before the toggle
    lab.toggle(key="elbo_lab_gap_fit").set_value(True).run()
    assert not lab.exception and not lab.error
    ckpt = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors")
    s = split(ckpt.model.requires_grad_(False), eval_targets(mnist, ckpt.train_config)[7:8])
    shown = {m.label: number(m.value) for m in lab.metric}
    assert shown["log p(x), quadrature"] == pytest.approx(s["log_px"][0], abs=1e-3)
    assert shown["ELBO, full-covariance q*"] == pytest.approx(s["elbo_full"][0], abs=2e-3)
    assert shown["ELBO, diagonal q*"] == pytest.approx(s["elbo_diag"][0], abs=2e-3)
    assert shown["ELBO, encoder's q"] == pytest.approx(s["elbo_encoder"][0], abs=2e-3)
    assert shown["log p(x), quadrature"] >= shown["ELBO, full-covariance q*"] >= shown["ELBO, diagonal q*"] \
        >= shown["ELBO, encoder's q"]
    caption = next(c.value for c in lab.caption if c.value.startswith("Gap "))
    assert number(caption.split("amortization")[1]) == pytest.approx(s["amortization"][0], abs=2e-3)
    chart = json.loads(next(e for e in lab.get("bidi_component")
                            if e.proto.id.endswith("elbo_lab_gap_chart")).proto.json)
    ellipses = chart["panels"][0]["series"][2:]
    assert len(ellipses) == 6 and chart["mark"] == "bce/7"
    for series, key in zip(ellipses[::2], ("encoder", "diag", "full")):  # each 1-sigma ellipse is its Gaussian's
        theta = s[f"theta_{key}"][0]
        pts = np.array([series["x"], series["y"]]).T - theta[:2]
        inv = np.linalg.inv(scale_tril(torch.tensor(theta[None]))[0].numpy())
        np.testing.assert_allclose(np.linalg.norm(pts @ inv.T, axis=1), 1.0, atol=5e-3)
    xs, ys = gaussian_ellipse(s["theta_full"][0], 2)
    assert ellipses[5]["x"] == pytest.approx(list(xs), abs=1e-4)


def test_the_link_carries_the_fit(lab):
    """After the toggle (test above), the address bar says fit=1; a link with fit=1 opens the fit; junk is ignored with
    a notice, the toggle left off."""
    assert lab.query_params["fit"] == "1"
    opened = AppTest.from_file(PAGE, default_timeout=300)
    opened.query_params.update(checkpoint="bce", digit="7", fit="1")
    opened.run()
    assert not opened.exception and opened.toggle(key="elbo_lab_gap_fit").value
    assert [m for m in opened.metric if m.label.startswith("ELBO, diagonal q*")]
    junk = AppTest.from_file(PAGE, default_timeout=300)
    junk.query_params.update(checkpoint="bce", digit="7", fit="<b>yes</b>")
    junk.run()
    assert not junk.exception and not junk.toggle(key="elbo_lab_gap_fit").value
    assert any("Ignored `fit` in the link: it is not 0 or 1." in c.value for c in junk.caption)
    assert "fit" not in junk.query_params


def test_the_table_is_the_stored_split_of_every_2d_model(lab):
    rows = next(d.value for d in lab.dataframe if "amortization" in d.value.columns)
    stored = read_table()
    assert len(rows) >= 15
    for _, row in rows.iterrows():
        m, se = stored[row["checkpoint"]]["mean"], stored[row["checkpoint"]]["se"]
        assert row["amortization"] == f"{m['amortization']:.3f} ± {se['amortization']:.3f}"
        assert row["log p(x)"] == round(m["log_px"], 2)


def test_a_larger_latent_space_has_no_gap_section():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params.update(checkpoint="bce-z8", digit="3")
    at.run()
    assert not at.exception and not [t for t in at.toggle if t.key == "elbo_lab_gap_fit"]


@pytest.mark.parametrize("width, height", [(390, 844), (1366, 768), (1920, 1080)])
def test_the_gap_section_fits_the_screen(app_url, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/elbo_lab?checkpoint=bce&digit=7")
    toggle = page.get_by_text("Where does this digit's ELBO lose?")
    toggle.wait_for(timeout=120000)
    toggle.click()
    root = page.locator(".st-key-elbo_lab_gap_chart .lc-root")
    page.wait_for_function("([el]) => el.dataset.last && el.dataset.last.startsWith('\"bce/7')",
                           arg=[root.element_handle(timeout=120000)], timeout=120000)
    bar = page.locator(".st-key-elbo_lab_gap_bar_box .js-plotly-plot")
    bar.wait_for(timeout=60000)
    assert bar.locator(".bars path").count() == 3  # amortization, diagonal, any Gaussian
    for box in (root.locator("canvas").bounding_box(), bar.bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    root.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"elbo_lab_gap_{width}.png"))
    table = page.locator(".st-key-elbo_lab_gap_models")
    table.scroll_into_view_if_needed(timeout=60000)
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5  # the table scrolls inside itself on a phone
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"elbo_lab_gap_table_{width}.png"))
    assert page.console_errors == []
