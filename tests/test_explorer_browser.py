"""The latent explorer in a real Chromium: a click decodes the z under the pointer, a drag decodes every frame,
and the browser's decoder gives PyTorch's pixels."""
import numpy as np
import torch

from conftest import ARTIFACTS
from vae.checkpoint import CHECKPOINT_DIR, load_checkpoint

ROOT_SEL = ".vx-root[data-painted='bce']"


def open_explorer(page, app_url):
    page.goto(f"{app_url}/explorer")
    page.wait_for_selector(ROOT_SEL, timeout=90000)
    return page.locator(".vx-overlay")


def axes(overlay):
    """The component's axis mapping, from the data attributes it exposes on its canvas."""
    d = overlay.evaluate("e => ({...e.dataset})")
    return {k: float(v) for k, v in d.items()}


def expected_z(a, px, py):
    return (a["x0"] + (px - a["left"]) / a["size"] * (a["x1"] - a["x0"]),
            a["y1"] - (py - a["top"]) / a["size"] * (a["y1"] - a["y0"]))


def shown_z(page):
    d = page.locator(".vx-z").evaluate("e => ({...e.dataset})")
    return float(d["z1"]), float(d["z2"])


def frames(page):
    return int(page.locator(ROOT_SEL).get_attribute("data-frames"))


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
    page.get_by_text(f"{z[0]:.4f}").wait_for(timeout=30000)
    assert page.get_by_text(f"{z[1]:.4f}").is_visible()
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
    assert page.console_errors == []


def test_drag_decodes_a_frame_for_every_pointer_move(app_url, page):
    overlay = open_explorer(page, app_url)
    a, box = axes(overlay), overlay.bounding_box()
    x, y = box["x"] + a["left"] + 40, box["y"] + a["top"] + a["size"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    before = frames(page)
    for step in range(1, 31):  # one move every 40 ms: each lands in its own animation frame
        page.mouse.move(x + 10 * step, y)
        page.wait_for_timeout(40)
    assert frames(page) - before >= 25
    assert np.allclose(shown_z(page), expected_z(a, a["left"] + 340, a["top"] + a["size"] / 2), atol=1e-9)
    page.mouse.up()
    assert page.console_errors == []


def test_the_browsers_decoder_gives_pytorchs_pixels(app_url, page):
    open_explorer(page, app_url)
    points = [[0.0, 0.0], [1.3, -0.7], [-2.9, 2.4], [5.0, -6.0]]
    js = page.locator(ROOT_SEL).evaluate("(root, zs) => zs.map(([a, b]) => root.vxDecode(a, b))", points)
    model = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model
    torch_pixels = model.decode_images(torch.tensor(points)).reshape(len(points), 784).numpy()
    assert np.abs(np.asarray(js) - torch_pixels).max() < 1e-4
