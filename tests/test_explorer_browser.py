"""The latent explorer in a real Chromium: a click decodes the z under the pointer, a drag decodes every frame,
and the browser's decoder gives PyTorch's pixels."""
import json
from functools import partial

import numpy as np
import torch
from PIL import Image

import plane
from conftest import ARTIFACTS
from plane import axes, expected_z
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.serve.digit_image import normalise_digit, read_image
from vae.latent import encode_digit

ROOT_SEL = ".vx-root[data-painted='bce']"
shown_z = partial(plane.shown_z, label=".vx-z")
frames = partial(plane.frames, root=ROOT_SEL)


def open_explorer(page, app_url):
    page.goto(f"{app_url}/explorer")
    page.wait_for_selector(ROOT_SEL, timeout=90000)
    return page.locator(".vx-overlay")


def click_and_wait_for_server(page, px, py, timeout=60000):
    """Click the map at (px, py) in its own pixels; wait until the page has painted that z (its label's data, set
    in the next animation frame) and the server's check shows z1. Returns the z."""
    overlay = page.locator(".vx-overlay")
    a, box = axes(overlay), overlay.bounding_box()
    page.mouse.click(box["x"] + px, box["y"] + py)
    z = expected_z(a, px, py)
    for _ in range(timeout // 100):  # the label sits in the component's shadow root: read through a locator
        if np.allclose(shown_z(page), z, atol=1e-9):
            break
        page.wait_for_timeout(100)
    assert np.allclose(shown_z(page), z, atol=1e-9), "the click was not painted"
    page.get_by_text(f"{z[0]:.4f}").wait_for(state="attached", timeout=timeout)
    return z


def test_click_on_empty_space_decodes_the_z_under_the_pointer(app_url, page):
    overlay = open_explorer(page, app_url)
    a, box = axes(overlay), overlay.bounding_box()
    px, py = a["left"] + a["size"] - 15, a["top"] + 15  # the top-right corner of the plot: no digit there
    before = frames(page)
    page.mouse.click(box["x"] + px, box["y"] + py)
    page.wait_for_timeout(200)
    assert frames(page) > before
    assert page.locator(".vx-tip").is_hidden()  # nothing hovered: this is empty space
    z = expected_z(a, px, py)
    assert np.allclose(shown_z(page), z, atol=1e-9)
    # Python received the same z on release and decodes it on the server.
    page.get_by_text(f"{z[0]:.4f}").wait_for(state="attached", timeout=30000)  # in the collapsed check
    assert page.get_by_text(f"{z[1]:.4f}").count() == 1
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
    assert page.console_errors == []


def test_drag_decodes_a_frame_for_every_pointer_move(app_url, page):
    overlay = open_explorer(page, app_url)
    decoded, end = plane.drag(page, overlay, ROOT_SEL, start=40, step=10)
    assert decoded >= 25
    assert np.allclose(shown_z(page), expected_z(axes(overlay), *end), atol=1e-9)
    page.mouse.up()
    assert page.console_errors == []


def test_the_browsers_decoder_gives_pytorchs_pixels(app_url, page):
    open_explorer(page, app_url)
    points = [[0.0, 0.0], [1.3, -0.7], [-2.9, 2.4], [5.0, -6.0]]
    js = page.locator(ROOT_SEL).evaluate("(root, zs) => zs.map(([a, b]) => root.vxDecode(a, b))", points)
    model = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model
    torch_pixels = model.decode_images(torch.tensor(points)).reshape(len(points), 784).numpy()
    assert np.abs(np.asarray(js) - torch_pixels).max() < 1e-4


def test_two_pinned_points_show_the_decoded_line_between_them(app_url, page):
    overlay = open_explorer(page, app_url)
    pin(page, overlay, "A", 120, 150)
    pin(page, overlay, "B", 400, 380)
    assert page.locator(".vx-strip").is_visible()
    line = page.locator(".vx-line line")
    ends = [float(line.get_attribute(k)) for k in ("x1", "y1", "x2", "y2")]
    assert np.allclose(ends, [120, 150, 400, 380], atol=1e-6)
    assert page.console_errors == []


def pin(page, overlay, end, px, py):
    box = overlay.bounding_box()  # clicking a button may have scrolled the page
    page.mouse.click(box["x"] + px, box["y"] + py)
    page.get_by_role("button", name=f"Set {end} here").click()


def test_an_uploaded_digit_lands_on_the_map_with_its_ellipses(app_url, page, mnist, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 2000})  # the whole page in one screenshot
    overlay = open_explorer(page, app_url)
    ink = (255 - 255 * mnist.x_test[3].numpy().reshape(28, 28)).astype(np.uint8)  # dark on light, as drawn
    path = tmp_path / "digit.png"
    Image.fromarray(ink).resize((140, 140)).save(path)
    page.locator(".st-key-explorer_upload input[type='file']").set_input_files(str(path))
    page.get_by_text("mean of q(z|x)").wait_for(timeout=60000)
    q = encode_digit(load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model,
                     normalise_digit(read_image(path.read_bytes())))
    page.wait_for_function("r => r.dataset.mine", arg=page.locator(ROOT_SEL).element_handle(), timeout=30000)
    mine = json.loads(page.locator(ROOT_SEL).get_attribute("data-mine"))
    assert np.allclose(mine["mu"], q["mu"], atol=1e-5) and np.allclose(mine["std"], q["std"], atol=1e-5)
    pin(page, overlay, "A", 110, 160)
    pin(page, overlay, "B", 420, 200)
    page.mouse.click(overlay.bounding_box()["x"] + 300, overlay.bounding_box()["y"] + 330)
    page.mouse.move(5, 5)  # away from the map: no hover tip over the picture
    page.wait_for_timeout(500)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60000)
    page.wait_for_timeout(1500)  # plotly draws its figures after the run ends
    page.screenshot(path=str(ARTIFACTS / "explorer_own_digit.png"), full_page=True)
    assert page.console_errors == []


def test_a_file_that_is_not_an_image_gets_a_clear_message(app_url, page, tmp_path):
    open_explorer(page, app_url)
    path = tmp_path / "digit.png"
    path.write_bytes(b"this is not a picture")
    page.locator(".st-key-explorer_upload input[type='file']").set_input_files(str(path))
    page.get_by_text("not an image that can be read").wait_for(timeout=60000)


def test_a_digit_drawn_on_the_pad_is_encoded_onto_the_map(app_url, page):
    open_explorer(page, app_url)
    pad = page.locator(".vp-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 50)
    page.mouse.down()
    for x, y in ((170, 50), (110, 190)):  # a 7
        page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
    page.mouse.up()
    page.get_by_text("What the encoder sees").wait_for(timeout=60000)
    page.wait_for_function("r => r.dataset.mine", arg=page.locator(ROOT_SEL).element_handle(), timeout=30000)
    assert page.console_errors == []


def test_hovering_a_point_shows_that_test_digit_and_its_label(app_url, page, mnist):
    overlay = open_explorer(page, app_url)
    a, box = axes(overlay), overlay.bounding_box()
    mu = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model.encode(mnist.x_test[:50])[0].detach().numpy()
    inside = [i for i in range(50) if a["x0"] < mu[i, 0] < a["x1"] and a["y0"] < mu[i, 1] < a["y1"]]
    i = inside[0]
    px = float(a["left"] + (mu[i, 0] - a["x0"]) / (a["x1"] - a["x0"]) * a["size"])
    py = float(a["top"] + (a["y1"] - mu[i, 1]) / (a["y1"] - a["y0"]) * a["size"])
    tip = page.locator(".vx-tip")
    page.mouse.move(box["x"] + px, box["y"] + py)
    tip.wait_for(state="visible", timeout=10000)
    # The first hover fetches the atlas of test images from the static file server; hover again once it is in.
    page.wait_for_function("r => r.vxAtlas && r.vxAtlas.complete && r.vxAtlas.naturalWidth > 0",
                           arg=page.locator(ROOT_SEL).element_handle(), timeout=30000)
    page.mouse.move(box["x"] + px + 1, box["y"] + py)
    page.mouse.move(box["x"] + px, box["y"] + py)
    shown = int(tip.get_attribute("data-index"))  # the nearest point: i itself, or one drawn on the same pixel
    assert f"digit {int(mnist.y_test[shown])} · test #{shown}" in tip.inner_text()
    rgba = page.locator(".vx-tip-real").evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)")
    grey = np.asarray(rgba, dtype=float).reshape(56, 56, 4)[::2, ::2, 0] / 255  # each pixel drawn as 2x2
    assert np.abs(grey - mnist.x_test[shown].reshape(28, 28).numpy()).max() <= 1 / 255 + 1e-9
    page.screenshot(path=str(ARTIFACTS / "explorer_hover.png"))
    assert page.console_errors == []


def test_the_prior_quantile_grid_sits_on_the_priors_quantiles(app_url, page):
    from vae.latent import prior_quantiles
    open_explorer(page, app_url)
    root = page.locator(ROOT_SEL)
    page.get_by_label("decoded grid").select_option("prior")
    page.wait_for_function("r => r.dataset.grid === 'prior'", arg=root.element_handle(), timeout=10000)
    centres = np.asarray(root.evaluate("r => r.vxGridCentres"))
    q = prior_quantiles(16)
    assert np.allclose(sorted(set(centres[:, 0])), q) and np.allclose(sorted(set(centres[:, 1])), q)
    assert len(centres) == 256
    page.get_by_label("decoded grid").select_option("uniform")
    page.wait_for_function("r => r.dataset.grid === 'uniform'", arg=root.element_handle(), timeout=10000)
    steps = np.diff(sorted(set(np.asarray(root.evaluate("r => r.vxGridCentres"))[:, 0])))
    assert np.allclose(steps, steps[0])  # even steps across the view
    page.mouse.move(5, 5)
    page.screenshot(path=str(ARTIFACTS / "explorer_uniform_grid.png"))
    page.get_by_label("decoded grid").select_option("prior")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "explorer_prior_grid.png"))
    assert page.console_errors == []


def test_the_models_arrays_come_once_over_http_and_the_websocket_carries_only_the_header(app_url, page):
    fetched, frames_in = [], []
    page.on("request", lambda r: fetched.append(r.url) if "/files/plane-bce-" in r.url else None)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames_in.append(len(f))))
    overlay = open_explorer(page, app_url)
    a = axes(overlay)
    for k in range(3):  # three clicks, three reruns: the same header, so a reference, and nothing fetched again
        click_and_wait_for_server(page, a["left"] + a["size"] * (0.3 + 0.2 * k), a["top"] + a["size"] / 2)
    assert len(fetched) == 1 and fetched[0].endswith(".f32")
    assert sum(frames_in) < 400_000  # the whole visit; the arrays alone are 0.9 MB
    assert page.console_errors == []


def test_a_failed_fetch_of_the_arrays_says_so_and_the_next_run_tries_again(app_url, page):
    page.route("**/files/plane-bce-*", lambda route: route.abort())
    page.goto(f"{app_url}/explorer")
    alert = page.get_by_role("alert").filter(has_text="The map's data could not be loaded")
    alert.wait_for(timeout=90000)
    assert page.locator(ROOT_SEL).count() == 0
    page.unroute("**/files/plane-bce-*")
    alert.get_by_role("button", name="Try again").click()
    page.wait_for_selector(ROOT_SEL, timeout=60000)
    assert alert.count() == 0
