"""The explorer with a finger, on a phone-sized touch screen: a tap decodes the point, a drag decodes on every frame,
and the drawing pad inks. Touches are sent as the browser's own touch events (Chrome DevTools Protocol), which
Chromium turns into the pointer events the page listens to."""
import numpy as np

from conftest import ARTIFACTS
from test_explorer_browser import ROOT_SEL, axes, expected_z, frames, shown_z


def swipe(cdp, page, points, pause_ms=40):
    """One finger down on the first point, through the others, up: one touch event each, `pause_ms` apart."""
    (x, y), rest = points[0], points[1:]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in rest:
        page.wait_for_timeout(pause_ms)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_tap_and_a_drag_decode_and_the_pad_inks_with_a_finger(app_url, phone):
    page, cdp = phone
    page.goto(f"{app_url}/explorer")
    page.wait_for_selector(ROOT_SEL, timeout=90000)
    overlay = page.locator(".vx-overlay")
    overlay.scroll_into_view_if_needed()
    a, box = axes(overlay), overlay.bounding_box()
    px, py = a["left"] + a["size"] * 0.8, a["top"] + a["size"] * 0.2
    before = frames(page)
    page.touchscreen.tap(box["x"] + px, box["y"] + py)
    root = page.locator(ROOT_SEL).element_handle()  # (inside the component's shadow root)
    page.wait_for_function("([r, n]) => Number(r.dataset.frames) > n", arg=[root, before])
    assert np.allclose(shown_z(page), expected_z(a, px, py), atol=1e-6)
    page.get_by_text(f"{expected_z(a, px, py)[0]:.4f}").wait_for(state="attached", timeout=30000)  # the server got it

    y = box["y"] + a["top"] + a["size"] / 2
    xs = [box["x"] + a["left"] + 10 + 8 * k for k in range(25)]
    before = frames(page)
    swipe(cdp, page, [(x, y) for x in xs])
    page.wait_for_timeout(200)
    assert frames(page) - before >= 20  # one decoded frame for (nearly) every move of the finger
    assert np.allclose(shown_z(page), expected_z(a, xs[-1] - box["x"], y - box["y"]), atol=1e-6)

    pad = page.locator(".vp-pad")
    pad.scroll_into_view_if_needed()
    p = pad.bounding_box()
    stroke = [(p["x"] + p["width"] * (0.3 + 0.4 * t), p["y"] + p["height"] * 0.25) for t in np.linspace(0, 1, 8)]
    stroke += [(p["x"] + p["width"] * (0.7 - 0.25 * t), p["y"] + p["height"] * (0.25 + 0.6 * t)) for t in np.linspace(0, 1, 8)]
    swipe(cdp, page, stroke, pause_ms=20)  # a 7, with a finger
    page.get_by_text("What the encoder sees").wait_for(timeout=60000)
    page.wait_for_function("r => r.dataset.mine", arg=page.locator(ROOT_SEL).element_handle(), timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "touch_phone.png"))
    assert page.errors == []

