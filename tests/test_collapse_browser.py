"""Posterior collapse in Chromium: the browser's trainer reports each latent dimension's KL as PyTorch measures it; the
Train page trains a 4-D model in the browser and its chart of KL per dimension follows the run; the Latent size
page's collapse section, the latent map's KL bars and the Train page's new settings fit a phone, a projector and a
desktop."""
import base64

import numpy as np
import pytest
import torch

from conftest import ARTIFACTS, press_start
from scripts.browser_trainer import START, files_for
from vae.config import TrainConfig, VAEConfig, to_dict
from vae.model import VAE
from vae.serve.browser_files import publish_code
from vae.trainer import build_model, evaluate

SHOTS = ARTIFACTS / "collapse"
SIZES = [(390, 844), (1366, 768), (1920, 1080)]
# START keeps only each post's last step; this keeps every step's KL and its per-dimension KL too
KEEP_STEPS = """() => { const w = window.trained; w.rows = []; const listen = (worker) => worker.addEventListener(
  "message", ({ data: m }) => { if (m.type === "steps") w.rows.push({ kl: m.rows.kl, kl_dims: m.rows.kl_dims }); });
  listen(window.trainer); }"""


def settle(page):
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    page.wait_for_timeout(500)


def test_the_browsers_kl_per_dimension_is_pytorchs(training_browser, app_url, mnist):
    """One epoch of a 4-D model without free bits in the Train page's worker: every step's KL per dimension sums to its
    KL, and the test set's after the epoch is what PyTorch's evaluate gives for the weights it returned."""
    config, cfg = VAEConfig(latent_dim=4), TrainConfig(epochs=1, seed=2, free_bits=0.0, batch_size=256)
    weights = np.concatenate([v.numpy().ravel() for v in build_model(config, cfg.seed).state_dict().values()])
    run = {"id": "0" * 32, "spec": {"config": to_dict(config), "train_config": to_dict(cfg)}, "label": "kl per dim"}
    context = training_browser.new_context()
    page = context.new_page()
    page.goto(f"{app_url}/_stcore/health")
    script = START.replace("const worker = new Worker", "const worker = window.trainer = new Worker")
    page.evaluate(script, [publish_code(), files_for(config, cfg), run,
                           base64.b64encode(weights.astype("<f4").tobytes()).decode()])
    page.evaluate(KEEP_STEPS)
    page.wait_for_function("() => window.trained.end", timeout=1_200_000, polling=500)
    result = page.evaluate("window.trained")
    context.close()
    assert result["end"]["kind"] == "done", result["end"]
    kl = np.concatenate([r["kl"] for r in result["rows"]])
    kl_dims = np.concatenate([r["kl_dims"] for r in result["rows"]])
    assert kl_dims.shape == (len(kl), 4) and len(kl) > 100
    assert np.allclose(kl_dims.sum(1), kl, rtol=1e-5, atol=1e-6)
    model, flat, at, state = VAE(config), torch.tensor(result["weights"], dtype=torch.float32), 0, {}
    for name, p in model.state_dict().items():
        state[name] = flat[at:at + p.numel()].reshape(p.shape)
        at += p.numel()
    model.load_state_dict(state)
    reported, scored = result["epochs"][-1], evaluate(model, mnist.x_test)
    assert np.allclose(reported["test_kl_dims"], scored["kl_dims"], rtol=1e-5, atol=1e-6)
    assert sum(reported["test_kl_dims"]) == pytest.approx(reported["test_kl"], rel=1e-5)


def dims_chart(page) -> dict:
    return page.locator(".bv-dims .lc-root").evaluate("(r) => ({...r.dataset})")


def test_training_a_4d_model_in_the_browser_draws_its_kl_per_dimension_live(training_browser, app_url):
    context = training_browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/train")
    for label, value in (("Latent size", "4"), ("Free bits (nats per dimension)", "0")):
        page.get_by_role("spinbutton", name=label).fill(value)
        page.get_by_role("spinbutton", name=label).press("Enter")
        page.wait_for_timeout(500)
    press_start(page, 3)
    page.locator(".bv-dims .lc-root").wait_for(timeout=180_000)
    first = dims_chart(page)
    page.wait_for_timeout(4000)
    later = dims_chart(page)
    assert int(later["draws"]) > int(first["draws"]) and int(later["last"]) > int(first["last"])  # it follows the run
    module = f"{app_url}/{publish_code()['code']}ui/assets/train_controller.js"
    frame = page.evaluate("async (url) => { const f = (await import(url)).state.frames.at(-1); "
                          "return { dims: f.dims, latent_dim: f.latent_dim, n: f.mu.length }; }", module)
    assert frame["latent_dim"] == 4 and len(set(frame["dims"])) == 2 and set(frame["dims"]) <= set(range(4))
    assert page.locator(".bv-map .lc-note").inner_text().endswith("of its 4 dimensions, the two with the most KL")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "train_dims_1366.png"), full_page=True)
    box, width = page.locator(".bv-dims").bounding_box(), page.evaluate("innerWidth")
    assert box["width"] > 200 and box["x"] + box["width"] <= width
    page.get_by_role("button", name="Stop").click()
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_collapse_views_fit_the_screen(browser, app_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path, keys in (("latent_size?dims=bce-z8-nofb", ["latent_size_collapse_bars", "latent_size_traverse_bce-z8",
                                                          "latent_size_traverse_bce-z8-nofb"]),
                       ("latent_map?checkpoint=bce-z8-nofb", ["latent_map_collapse"])):
        page.goto(f"{app_url}/{path}")
        settle(page)
        for key in keys:
            chart = page.locator(f".st-key-{key} .main-svg").first
            chart.wait_for(timeout=120_000)
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box["width"] > 0.6 * min(width, 400) and box["x"] >= 0 and box["x"] + box["width"] <= width, key
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path
        page.screenshot(path=str(SHOTS / f"{path.split('?')[0]}_{width}x{height}.png"), full_page=True)
    page.goto(f"{app_url}/train")
    settle(page)
    for label in ("Latent size", "Free bits (nats per dimension)", "KL warm-up"):
        box = page.get_by_role("spinbutton", name=label).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, label
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.screenshot(path=str(SHOTS / f"train_{width}x{height}.png"), full_page=True)
    context.close()
