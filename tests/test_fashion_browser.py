"""Fashion-MNIST in Chromium: the explorer, latent map and MSE vs BCE opened on a link to a Fashion-MNIST
checkpoint show its clothes and name its classes; and the app server never imports torchvision."""
from pathlib import Path

import numpy as np

from conftest import ARTIFACTS
from scripts.proc_tree import server_pid
from vae.data import load_dataset
from vae.datasets import DATASETS
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

CLASSES = list(DATASETS["fashion-mnist"].classes)
SHOTS = ARTIFACTS / "fashion"


def settle(page):
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    page.wait_for_timeout(500)


def test_the_explorer_shows_clothes_and_names_their_classes(app_url, page):
    data = load_dataset("fashion-mnist")
    page.goto(f"{app_url}/explorer?checkpoint=fashion-bce")
    root = page.locator(".vx-root[data-painted='fashion-bce']")
    root.wait_for(timeout=90000)
    assert page.locator(".vx-key").all_inner_texts() == CLASSES
    assert page.locator(".vx-hint").inner_text().startswith("Items shown")
    # hover test item 0's point: the tip names its class and shows the Fashion-MNIST image itself
    overlay = page.locator(".vx-overlay")
    a = {k: float(v) for k, v in overlay.evaluate("e => ({...e.dataset})").items()}
    box = overlay.bounding_box()
    mu = load_checkpoint(CHECKPOINT_DIR / "fashion-bce.safetensors").model.encode(data.x_test[:50])[0].detach().numpy()
    i = next(k for k in range(50) if a["x0"] < mu[k, 0] < a["x1"] and a["y0"] < mu[k, 1] < a["y1"])
    px = box["x"] + float(a["left"] + (mu[i, 0] - a["x0"]) / (a["x1"] - a["x0"]) * a["size"])
    py = box["y"] + float(a["top"] + (a["y1"] - mu[i, 1]) / (a["y1"] - a["y0"]) * a["size"])
    tip = page.locator(".vx-tip")
    page.mouse.move(px, py)
    tip.wait_for(state="visible", timeout=10000)
    page.wait_for_function("r => r.vxAtlas && r.vxAtlas.complete && r.vxAtlas.naturalWidth > 0",
                           arg=root.element_handle(), timeout=30000)
    page.mouse.move(px + 1, py)
    page.mouse.move(px, py)
    shown = int(tip.get_attribute("data-index"))
    assert tip.inner_text().startswith(f"{CLASSES[int(data.y_test[shown])]} · test #{shown}\n")
    rgba = page.locator(".vx-tip-real").evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    grey = np.asarray(rgba, dtype=float).reshape(56, 56, 4)[::2, ::2, 0] / 255
    assert np.abs(grey - data.x_test[shown].reshape(28, 28).numpy()).max() <= 1 / 255 + 1e-9
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer_hover.png"))
    page.mouse.click(box["x"] + a["left"] + 20, box["y"] + a["top"] + 20)  # a click still decodes, on the server too
    page.get_by_text("Your own drawing").wait_for(timeout=30000)
    settle(page)
    assert page.get_by_text("Trained on Fashion-MNIST.").count() == 1
    page.screenshot(path=str(SHOTS / "explorer.png"), full_page=True)
    assert page.console_errors == []


def test_the_latent_map_names_the_classes(app_url, page):
    page.goto(f"{app_url}/latent_map?checkpoint=fashion-bce")
    page.wait_for_selector(".js-plotly-plot .legend", timeout=90000)
    settle(page)
    legend = page.locator(".js-plotly-plot .legend .traces .legendtext").evaluate_all("ts => ts.map(t => t.textContent)")
    assert legend == CLASSES
    assert page.get_by_text("Trained on Fashion-MNIST").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "latent_map.png"), full_page=True)
    assert page.console_errors == []


def test_mse_vs_bce_on_fashion_mnist(app_url, page):
    page.goto(f"{app_url}/mse_vs_bce?dataset=fashion-mnist&tab=2")
    page.get_by_text("Digits and clothes, side by side").wait_for(timeout=120000)
    settle(page)
    verdict = page.locator("[data-testid='stAlert']").filter(has_text="undecided pixels").inner_text()
    assert "fashion-bce reconstructions" in verdict and "fashion-mse reconstructions" in verdict
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "mse_vs_bce_blur.png"), full_page=True)
    page.get_by_role("tab", name="Side by side").click()
    page.wait_for_function("() => location.search.includes('tab=1')", timeout=30000)
    settle(page)
    assert "dataset=fashion-mnist" in page.url
    page.screenshot(path=str(SHOTS / "mse_vs_bce.png"), full_page=True)
    assert page.console_errors == []


def test_the_app_server_never_imports_torchvision(app_url, page):
    """After every page has run on this server (the other browser tests open them all), torchvision's native
    library is not mapped into the server's process: it was never imported. The CLI's own import is shown to load
    it, so the check can fail."""
    import subprocess
    import sys
    for name in ("", "train", "elbo_lab?checkpoint=fashion-bce"):
        page.goto(f"{app_url}/{name}")
        page.wait_for_selector("[data-testid='stMain']", timeout=60000)
        settle(page)
    maps = Path(f"/proc/{server_pid(app_url)}/maps").read_text()
    assert "/torch/" in maps and "torchvision" not in maps
    probe = "import torchvision, os; print(open(f'/proc/{os.getpid()}/maps').read())"
    assert "torchvision" in subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout
