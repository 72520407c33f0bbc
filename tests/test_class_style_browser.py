"""Class and style in a real Chromium: a click decodes the point for all ten classes in the browser, with PyTorch's
pixels; a drag decodes a frame for nearly every move of the mouse or of a finger; a finger draws on the pad; and
the page fits a phone's width."""
import json
from functools import partial

import numpy as np
import torch
from PIL import Image

import plane
from conftest import ARTIFACTS
from plane import axes, expected_z
from test_class_board_browser import choose
from test_screens_browser import OUTSIDE
from test_touch_browser import swipe
from vae.model import one_hot
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.serve.digit_image import normalise_digit, read_image

ROOT_SEL = ".cs-root[data-painted]"  # the page's default model: the first conditional checkpoint, cvae
shown_z = partial(plane.shown_z, label=".cs-z")
frames = partial(plane.frames, root=ROOT_SEL)


def open_page(page, app_url, query=""):
    page.goto(f"{app_url}/class_style{query}")
    page.wait_for_selector(ROOT_SEL, timeout=90000)
    overlay = page.locator(".cs-overlay")
    overlay.scroll_into_view_if_needed()
    return overlay


def test_a_click_decodes_all_ten_classes_with_pytorchs_pixels(app_url, page):
    overlay = open_page(page, app_url)
    a, box = axes(overlay), overlay.bounding_box()
    px, py = a["left"] + 0.7 * a["size"], a["top"] + 0.35 * a["size"]
    before = frames(page)
    # A click, read between its press and its release: the press decodes the point in the browser; the release
    # sends it to Python, whose rerun of the plane's fragment the reads below need not wait for on a busy machine.
    page.mouse.move(box["x"] + px, box["y"] + py)
    page.mouse.down()
    page.wait_for_function("([r, n]) => Number(r.dataset.frames) > n",
                           arg=[page.locator(ROOT_SEL).element_handle(), before])
    z = expected_z(a, px, py)
    assert np.allclose(shown_z(page), z, atol=1e-9)
    name = page.locator(ROOT_SEL).get_attribute("data-painted")
    model = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model
    torch_pixels = model.decode_images(torch.tensor([z], dtype=torch.float32),
                                       one_hot(torch.arange(10))).reshape(10, 784).numpy()
    js = np.asarray(page.locator(ROOT_SEL).evaluate("(r, z) => r.csDecode(z[0], z[1])", list(z)))
    assert js.shape == (10, 784) and np.abs(js - torch_pixels).max() < 1e-4
    painted = np.asarray(page.locator(".cs-tile canvas").evaluate_all(
        "cs => cs.map((c) => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data))"), dtype=float)
    grey = painted.reshape(10, 784, 4)[:, :, 0]  # what each class's canvas holds, 8 bits a pixel
    assert np.abs(grey - np.round(255 * torch_pixels)).max() <= 1
    page.mouse.up()
    # Python received the same z on release: the link and the grid's "picked" column follow it
    page.wait_for_function("z => new URL(location.href).searchParams.get('z') === z",
                           arg=f"{round(z[0], 4):g},{round(z[1], 4):g}", timeout=60000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "class_style.png"))
    assert page.console_errors == []


def test_a_drag_decodes_a_frame_for_nearly_every_move(app_url, page):
    overlay = open_page(page, app_url)
    decoded, end = plane.drag(page, overlay, ROOT_SEL, start=20, step=(axes(overlay)["size"] - 40) / 30)
    assert decoded >= 25
    assert np.allclose(shown_z(page), expected_z(axes(overlay), *end), atol=1e-6)
    page.mouse.up()
    assert page.console_errors == []


def test_a_class_alone_hides_the_other_codes_from_a_link(app_url, page):
    open_page(page, app_url, "?class=4")
    hidden = page.locator(".cs-name.cs-off").count()
    assert hidden == 9 and page.locator(".cs-tile[data-k='4'] .cs-name.cs-off").count() == 0


def test_an_uploaded_digit_is_encoded_with_its_class_and_read_by_bayes_rule(app_url, page, mnist, tmp_path):
    open_page(page, app_url)
    k = 3  # test digit 3 of MNIST, a 0: uploaded as a photo of it would be, dark ink on light paper
    ink = (255 - 255 * mnist.x_test[k].numpy().reshape(28, 28)).astype(np.uint8)
    path = tmp_path / "digit.png"
    Image.fromarray(ink).resize((140, 140)).save(path)
    label = int(mnist.y_test[k])
    page.locator(".st-key-class_style_upload input[type='file']").set_input_files(str(path))
    page.get_by_text("What the encoder sees").wait_for(timeout=60000)
    choose(page, "class_style_own_class", str(label))
    page.get_by_text(f"mean of q(z|x, y = {label})").wait_for(timeout=60000)
    model = load_checkpoint(CHECKPOINT_DIR / f"{page.locator(ROOT_SEL).get_attribute('data-painted')}.safetensors").model
    x = torch.as_tensor(normalise_digit(read_image(path.read_bytes()))).reshape(1, 784)
    mu, logvar = model.encode(x, one_hot([label]))
    page.wait_for_function("r => r.dataset.mine", arg=page.locator(ROOT_SEL).element_handle(), timeout=30000)
    mine = json.loads(page.locator(ROOT_SEL).get_attribute("data-mine"))
    assert np.allclose(mine["mu"], mu[0].detach().numpy(), atol=1e-5)
    assert np.allclose(mine["std"], torch.exp(0.5 * logvar)[0].detach().numpy(), atol=1e-5)
    page.locator(".st-key-class_style_bayes_source").get_by_text("your own digit").click()
    page.get_by_text(f"your digit, which you said is {label}").wait_for(timeout=120000)
    from vae.bayes import bayes_rule
    found = bayes_rule(model, x)  # what the page must show for the uploaded image
    page.get_by_text(f"{found['log_px']:.3f} nats", exact=True).wait_for(timeout=120000)
    read = int(found["p_y_given_x"].argmax())
    assert page.locator("[data-testid='stMetric']", has_text="read as").inner_text().endswith(str(read))
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    page.screenshot(path=str(ARTIFACTS / "class_style_own_digit.png"))
    assert page.console_errors == []


def test_a_finger_taps_drags_and_draws_and_nothing_overflows_a_phone(app_url, phone):
    page, cdp = phone
    overlay = open_page(page, app_url)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    found = page.evaluate(OUTSIDE)
    assert found["page"] <= found["width"] and found["main"] <= found["width"] and found["clipped"] == [], found
    a, box = axes(overlay), overlay.bounding_box()
    px, py = a["left"] + a["size"] * 0.8, a["top"] + a["size"] * 0.2
    before = frames(page)
    page.touchscreen.tap(box["x"] + px, box["y"] + py)
    page.wait_for_function("([r, n]) => Number(r.dataset.frames) > n",
                           arg=[page.locator(ROOT_SEL).element_handle(), before])
    assert np.allclose(shown_z(page), expected_z(a, px, py), atol=1e-6)
    box = overlay.bounding_box()
    y = box["y"] + a["top"] + a["size"] / 2
    xs = [box["x"] + a["left"] + 10 + 10 * k for k in range(25)]
    before = frames(page)
    swipe(cdp, page, [(x, y) for x in xs])
    page.wait_for_timeout(200)
    assert frames(page) - before >= 20
    pad = page.locator(".vp-pad")
    pad.scroll_into_view_if_needed()
    p = pad.bounding_box()
    stroke = [(p["x"] + p["width"] * (0.3 + 0.4 * t), p["y"] + p["height"] * 0.25) for t in np.linspace(0, 1, 8)]
    stroke += [(p["x"] + p["width"] * (0.7 - 0.25 * t), p["y"] + p["height"] * (0.25 + 0.6 * t))
               for t in np.linspace(0, 1, 8)]
    swipe(cdp, page, stroke, pause_ms=20)  # a 7, with a finger
    page.get_by_text("What the encoder sees").wait_for(timeout=60000)
    page.wait_for_function("r => r.dataset.mine", arg=page.locator(ROOT_SEL).element_handle(), timeout=60000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    found = page.evaluate(OUTSIDE)
    assert found["page"] <= found["width"] and found["clipped"] == [], found
    page.screenshot(path=str(ARTIFACTS / "class_style_phone.png"))
    assert page.errors == []
