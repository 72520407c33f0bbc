"""Training in the student's own browser, in Chromium: a run starts, its curves and maps arrive, the explorer decodes
the live model mid-run, the run goes on while other pages are open, it stops, saves and downloads; a reload offers
the run kept in the browser and goes on with it; two browsers train at once and each sees only its own run."""
import time
import uuid
from urllib.parse import urlsplit

import numpy as np
import pytest
import torch
from playwright.sync_api import Error as PlaywrightError

from conftest import ARTIFACTS, press_start
from vae.config import VAEConfig
from vae.model import VAE
from vae.serve.browser_files import publish_code
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

VIEW = ".bv-root"  # in the component's shadow root: Playwright's locators pierce it


def view(page) -> dict:
    return page.locator(VIEW).evaluate("(r) => ({...r.dataset})")


def wait_view(page, check, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = view(page)
        try:
            if check(state):
                return state
        except KeyError:  # the view has not drawn that yet
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"the view never showed {what}; it shows {view(page)}")


def start(page, url, epochs, beta=None):
    page.goto(f"{url}/train")
    press_start(page, epochs, beta)
    return wait_view(page, lambda v: v.get("status") == "running" and int(v.get("step", 0)) > 0, "a running run")


PATHS = {"Train": "/train", "Latent map": "/latent_map", "Latent explorer": "/explorer"}


def nav(page, name):
    """Another page of the app, as a student goes there: the sidebar's link (the tab, and its worker, stay)."""
    for _ in range(3):  # a click that lands while a popover closes is lost: click again
        page.get_by_role("link", name=name).click()
        try:  # the page's URL, whatever link parameters it carries
            page.wait_for_url(lambda url: urlsplit(url).path.endswith(PATHS[name]), timeout=10000)
            return
        except PlaywrightError:
            pass
    raise AssertionError(f"the sidebar's link did not open {name}")


def controller_weights(page, url):
    """The weights of the browser's last report and their step, from the tab's training controller."""
    module = f"{url}/{publish_code()['code']}ui/assets/train_controller.js"
    return page.evaluate("""async (url) => { const c = await import(url); const w = c.state.weights;
        return w && { step: w.step, values: Array.from(w.values) }; }""", module)


@pytest.fixture
def scratch_name():
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    (CHECKPOINT_DIR / f"{name}.safetensors").unlink(missing_ok=True)


def test_a_run_in_the_browser_from_start_to_saved(app_url, training_browser, scratch_name, tmp_path):
    context = training_browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    start(page, app_url, epochs=6)
    state = wait_view(page, lambda v: int(v["frames"]) >= 2 and int(v["epochs"]) >= 1, "a finished epoch and maps")
    assert state["backend"] == "wasm"  # TensorFlow.js's WebAssembly backend, not the slow fallback
    assert int(page.locator(".bv-curves .lc-root").get_attribute("data-draws")) > 0
    assert page.locator(".bv-map .lc-root").get_attribute("data-last") != "null"
    page.screenshot(path=str(ARTIFACTS / "train_browser_live.png"))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the curves' panels stack, nothing is cut off
    curves = page.locator(".bv-curves .lc-root")
    for _ in range(100):
        if curves.get_attribute("data-stacked") == "true":
            break
        page.wait_for_timeout(100)
    assert curves.get_attribute("data-stacked") == "true"
    assert page.locator(VIEW).bounding_box()["width"] <= 390 and curves.bounding_box()["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "train_browser_phone.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})

    # Mid-run, on the explorer: the live model is the weights the browser sent, decoded in the browser.
    nav(page, "Latent explorer")
    page.get_by_label("Checkpoint", exact=True).click()
    page.get_by_role("option", name="my training run (live)").click()
    page.locator('.vx-root[data-painted="my training run (live)"]').wait_for(timeout=60000)
    for _ in range(20):
        caption = page.get_by_text("This session's training run, as it was at step").inner_text()
        step = int(caption.split("at step ")[1].split(".")[0])
        sent = controller_weights(page, app_url)
        if sent and sent["step"] == step:
            break
        page.get_by_role("button", name="Load the newest weights").click()  # a newer epoch's weights came in
        page.wait_for_timeout(1000)
    assert step > 0 and sent["step"] == step
    decoded = page.locator(".vx-root").evaluate("(r) => r.vxDecode(0.5, -1.0)")
    model = VAE(VAEConfig())
    flat, at = torch.tensor(sent["values"], dtype=torch.float32), 0
    state_dict = {}
    for name, p in model.state_dict().items():
        state_dict[name] = flat[at:at + p.numel()].reshape(p.shape)
        at += p.numel()
    model.load_state_dict(state_dict)
    expected = model.decode_images(torch.tensor([0.5, -1.0])).flatten().numpy()
    np.testing.assert_allclose(decoded, expected, atol=1e-5)

    # Back on the Train page, the same run is still going, its curves whole
    nav(page, "Train")
    back = wait_view(page, lambda v: int(v["history"]) >= int(state["history"]), "the run's history")
    assert back["run"] == state["run"] and back["status"] in ("running", "done")
    wait_view(page, lambda v: int(v["step"]) > int(back["step"]) or v["status"] == "done", "the run going on")
    if view(page)["status"] == "running":
        page.locator(".bv-stop").click()
        wait_view(page, lambda v: v["status"] == "stopped", "the run stopped")
    page.get_by_text("Save this model").wait_for(timeout=60000)  # the server has the weights the browser sent
    page.get_by_label("Name (letters, digits, - and _)").fill(scratch_name)
    page.get_by_label("Name (letters, digits, - and _)").press("Enter")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Saved as checkpoints/{scratch_name}.safetensors").wait_for(timeout=30000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    file = tmp_path / "mine.safetensors"
    download.value.save_as(file)
    saved, downloaded = load_checkpoint(CHECKPOINT_DIR / f"{scratch_name}.safetensors"), load_checkpoint(file)
    for (k, a), b in zip(saved.model.state_dict().items(), downloaded.model.state_dict().values()):
        assert torch.equal(a, b), k
    assert saved.history and saved.metrics["test_loss"] == saved.history[-1]["test_loss"]
    page.screenshot(path=str(ARTIFACTS / "train_browser_saved.png"))

    nav(page, "Latent map")
    page.get_by_label("Checkpoint", exact=True).click()
    page.get_by_role("option", name=scratch_name).click()
    page.wait_for_selector(".js-plotly-plot .legend", timeout=60000)
    assert errors == []
    context.close()


def test_a_reload_reopens_the_run_kept_in_the_browser_while_another_browser_trains(app_url, training_browser):
    first = training_browser.new_context(viewport={"width": 1400, "height": 1000})
    other = training_browser.new_context(viewport={"width": 1400, "height": 1000})
    page, theirs = first.new_page(), other.new_page()
    start(theirs, app_url, epochs=3, beta=4)
    mine = start(page, app_url, epochs=3)
    assert mine["run"] != view(theirs)["run"]
    # The browser keeps the run at each latent map (four an epoch): wait for one after the first
    kept = wait_view(page, lambda v: int(v["frames"]) >= 3, "two kept maps")
    page.reload()
    offer = page.locator(".bv-offer")
    offer.wait_for(timeout=60000)
    assert "stopped at epoch" in offer.inner_text() and "β = 1" in offer.inner_text()
    page.get_by_role("button", name="Resume it").click()
    back = wait_view(page, lambda v: v.get("status") == "running" and v.get("run") == mine["run"], "the run again")
    assert int(back["history"]) >= int(kept["step"]) - 200  # its curves from before the reload, not from step 0
    going = wait_view(page, lambda v: int(v["step"]) > int(back["step"]), "the run going on")
    assert int(going["history"]) == int(going["step"])  # each step once: none lost, none drawn twice
    page.locator(".bv-stop").click()
    wait_view(page, lambda v: v["status"] == "stopped", "the run stopped")
    page.get_by_text("Save this model").wait_for(timeout=60000)
    # The other browser's run went on, untouched, and it never sees this one, nor this one it
    assert view(theirs)["run"] != mine["run"] and view(theirs)["status"] in ("running", "done")
    for tab, run in ((page, mine["run"]), (theirs, view(theirs)["run"])):
        nav(tab, "Latent map")
        tab.get_by_label("Checkpoint", exact=True).click()
        assert tab.get_by_role("option", name="my training run (live)").count() == 1
        tab.keyboard.press("Escape")
        nav(tab, "Train")
        assert wait_view(tab, lambda v: v.get("run") == run, "its own run")["run"] == run
    theirs.locator(".bv-stop").click() if view(theirs)["status"] == "running" else None
    first.close()
    other.close()
