"""Beyond the plane, in Chromium: the explorer decodes a slice of an 8-D and a 32-D latent space in the browser with
PyTorch's pixels, the latent map shows a labelled PCA projection, the ELBO lab estimates log p(x), and the
rate-distortion chart opens the checkpoint of a clicked point."""
import numpy as np
import pytest
import torch

from conftest import ARTIFACTS
from vae.latent import coordinate_axes, pca_plane, slice_plane, slice_point
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

SHOTS = ARTIFACTS / "latent_size"
POINTS = [[0.0, 0.0], [1.3, -0.7], [-2.9, 2.4], [3.0, 3.0]]


def settle(page):
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    page.wait_for_timeout(500)


def browser_pixels(page, name):
    root = page.locator(f".vx-root[data-painted='{name}']")
    root.wait_for(timeout=90000)
    return np.asarray(root.evaluate("(root, zs) => zs.map(([a, b]) => root.vxDecode(a, b))", POINTS))


def torch_pixels(model, plane):
    z = torch.tensor(np.stack([slice_point(plane, a, b) for a, b in POINTS]), dtype=torch.float32)
    return model.decode_images(z).reshape(len(POINTS), 784).numpy()


@pytest.mark.parametrize("name", ["bce-z8", "bce-z32"])
def test_the_explorer_decodes_a_slice_with_pytorchs_pixels(app_url, page, mnist, name):
    model = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model
    with torch.no_grad():
        mu = model.encode(mnist.x_test)[0].numpy()
    page.goto(f"{app_url}/explorer?checkpoint={name}")
    js = browser_pixels(page, name)  # by default: the two PCA directions through test digit 0's code
    assert np.abs(js - torch_pixels(model, slice_plane(mu[0], pca_plane(mu)["axes"]))).max() < 1e-4
    settle(page)
    assert page.get_by_text(f"latent space has {model.config.latent_dim} dimensions").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"explorer_{name}.png"), full_page=True)
    # two coordinates, z3 against z7 (the defaults are z1 and z2), through test digit 5
    page.get_by_text("two coordinates").click()
    page.get_by_label("second axis z_j").fill("7")
    page.get_by_label("second axis z_j").press("Enter")
    page.get_by_label("first axis z_i").fill("3")
    page.get_by_label("first axis z_i").press("Enter")
    page.get_by_label("through test digit #").fill("5")
    page.get_by_label("through test digit #").press("Enter")
    settle(page)
    # the three settings' reruns may land one after another: wait for the caption of the last one's plane
    page.get_by_text("The plane of z3 and z7, through the code of test digit #5").wait_for(timeout=30000)
    settle(page)
    page.locator(".vx-overlay").click(position={"x": 60, "y": 60})
    page.locator(".vx-z").filter(has_text="z3 = ").wait_for(timeout=30000)  # the map now shows the new slice
    settle(page)
    js = browser_pixels(page, name)
    assert np.abs(js - torch_pixels(model, slice_plane(mu[5], coordinate_axes(2, 6, mu.shape[1])))).max() < 1e-4
    assert page.console_errors == []


def test_a_slice_whose_arrays_arrive_late_never_replaces_a_newer_one(app_url, page, mnist):
    """Each slice is a file of its own, and two fetches may finish in either order: the newest slice must stay."""
    model = load_checkpoint(CHECKPOINT_DIR / "bce-z8.safetensors").model
    with torch.no_grad():
        mu = model.encode(mnist.x_test[:1])[0].numpy()
    held, hold = [], {"next": False}

    def body(route):  # a slice's arrays: held back when the test says so, else fetched as they come
        if hold["next"]:
            hold["next"] = False
            held.append(route)
        else:
            route.continue_()
    page.route("**/files/plane-*", body)
    page.goto(f"{app_url}/explorer?checkpoint=bce-z8")
    page.locator(".vx-root[data-painted='bce-z8']").wait_for(timeout=90000)
    page.get_by_text("two coordinates").click()
    settle(page)
    hold["next"] = True  # the arrays of z1 against z7 arrive only at the end
    page.get_by_label("second axis z_j").fill("7")
    page.get_by_label("second axis z_j").press("Enter")
    for _ in range(300):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the slice's arrays were never asked for"
    page.get_by_label("first axis z_i").fill("3")  # z3 against z7: its arrays come at once
    page.get_by_label("first axis z_i").press("Enter")
    page.get_by_text("The plane of z3 and z7, through the code of test digit #0").wait_for(timeout=30000)
    settle(page)
    page.locator(".vx-overlay").click(position={"x": 60, "y": 60})
    page.locator(".vx-z").filter(has_text="z3 = ").wait_for(timeout=30000)
    held[0].continue_()  # the older slice's arrays arrive now
    page.wait_for_timeout(1500)
    page.locator(".vx-overlay").click(position={"x": 80, "y": 80})
    page.locator(".vx-z").filter(has_text="z3 = ").wait_for(timeout=10000)
    js = browser_pixels(page, "bce-z8")
    assert np.abs(js - torch_pixels(model, slice_plane(mu[0], coordinate_axes(2, 6, 8)))).max() < 1e-4
    assert page.console_errors == []


@pytest.mark.parametrize("name, dim", [("bce-z8", 8), ("bce-z32", 32)])
def test_the_latent_map_labels_its_pca_projection(app_url, page, name, dim):
    page.goto(f"{app_url}/latent_map?checkpoint={name}")
    page.wait_for_selector(".js-plotly-plot .legend", timeout=90000)
    settle(page)
    note = page.get_by_text("The map is a projection").inner_text()
    assert f"{dim} dimensions" in note and "of their variance" in note
    titles = page.locator(".st-key-latent_map_chart .xtitle, .st-key-latent_map_chart .ytitle").evaluate_all(
        "ts => ts.map(t => t.textContent)")
    assert titles == ["PC1", "PC2"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"latent_map_{name}.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("name", ["bce-z8", "bce-z32"])
def test_the_elbo_lab_estimates_log_px_beyond_two_dimensions(app_url, page, name):
    page.goto(f"{app_url}/elbo_lab?checkpoint={name}&digit=3")
    page.get_by_text("log p(x), estimated").wait_for(timeout=120000)
    page.get_by_text("gap, at least").wait_for(timeout=120000)
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"elbo_lab_{name}.png"), full_page=True)
    assert page.console_errors == []


def test_a_click_on_the_rate_distortion_chart_opens_that_checkpoint(app_url, page):
    page.goto(f"{app_url}/latent_size")
    chart = page.locator("[data-testid='stPlotlyChart']").filter(has=page.locator(".scatterlayer"))
    chart.last.wait_for(timeout=120000)
    settle(page)
    point = page.locator(".scatterlayer .trace .points path").last  # the last marker of the last ladder drawn
    point.scroll_into_view_if_needed()
    point.click(force=True)
    page.wait_for_function("() => /checkpoint=bce-z32/.test(location.search)", timeout=30000)
    settle(page)
    assert page.get_by_role("link", name="the explorer").get_attribute("href").endswith("explorer?checkpoint=bce-z32")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rate_distortion.png"), full_page=True)
    assert page.console_errors == []
