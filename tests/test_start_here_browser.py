"""The lesson in a real Chromium at 1920x1080: every step in the light theme, and in the dark theme with presenter
mode on, saved to artifacts/ as start_here_<theme>_<step>.png (the screen) and ..._full.png (the whole step); nothing is logged as an error."""
import numpy as np
import pytest
import torch
from playwright.sync_api import expect

from conftest import ARTIFACTS
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

HEADERS = ("1 · An autoencoder", "2 · Its weaknesses", "3 · Encode to a distribution", "4 · The ELBO",
           "5 · The reparameterization trick", "6 · Why the samples are blurry")
PLOTS = (0, 2, 1, 0, 0, 1)  # plotly figures each step draws
MAPS = (1, 2, 0, 0, 0, 0)  # and canvas charts (the maps of codes)


@pytest.mark.parametrize("theme, presenter", [("light", False), ("dark", True)])
def test_lesson_steps_in_both_themes(browser, app_url, mnist, theme, presenter):
    with torch.no_grad():  # z1 of every test 0 under the autoencoder: the first series of the first map
        zeros = load_checkpoint(CHECKPOINT_DIR / "ae.safetensors").model.encode(mnist.x_test[mnist.y_test == 0])[0][:, 0]
    zeros = zeros.numpy()
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, color_scheme=theme)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(app_url)
    page.get_by_role("heading", name="Start here: from autoencoder to VAE").wait_for(timeout=90000)
    if presenter:
        page.get_by_text("Presenter mode").click()
    for step, (header, plots, maps) in enumerate(zip(HEADERS, PLOTS, MAPS), start=1):
        page.locator("h2", has_text=header).wait_for(timeout=90000)
        page.wait_for_function("n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                               arg=plots, timeout=90000)
        expect(page.locator(".lc-root[data-draws]")).to_have_count(maps, timeout=90000)  # in shadow roots
        if step == 1:  # the codes arrive packed (ui/chart.py packed): the browser unpacks the model's own
            drawn = page.locator(".lc-root").first.evaluate("(r) => Array.from(r.lcData.panels[0].series[0].x)")
            assert np.allclose(drawn, zeros, atol=np.abs(zeros).max() / 32767)
        page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=90000)
        page.wait_for_timeout(800)  # plotly draws its WebGL layer after the SVG
        page.screenshot(path=str(ARTIFACTS / f"start_here_{theme}_{step}.png"))
        # Streamlit scrolls inside its main container, so a tall viewport is the way to see a whole step.
        page.set_viewport_size({"width": 1920, "height": 2400})
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"start_here_{theme}_{step}_full.png"))
        page.set_viewport_size({"width": 1920, "height": 1080})
        if step < len(HEADERS):
            page.get_by_role("button", name="Next").click()
    context.close()
    assert errors == []
