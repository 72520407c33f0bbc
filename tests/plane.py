"""Reading the latent plane that the explorer and Class and style share (ui/assets/latent_plane.js) in a browser test:
its axis mapping and decoded point, which the component exposes as data attributes, and a drag across it."""
def axes(overlay) -> dict:
    """The component's axis mapping, from the data attributes it exposes on its canvas."""
    return {k: float(v) for k, v in overlay.evaluate("e => ({...e.dataset})").items()}


def expected_z(a, px, py):
    """The z under the plane's pixel (px, py), by the mapping `a`."""
    return (a["x0"] + (px - a["left"]) / a["size"] * (a["x1"] - a["x0"]),
            a["y1"] - (py - a["top"]) / a["size"] * (a["y1"] - a["y0"]))


def shown_z(page, label: str):
    """The z the component last decoded, from its label (`label`: the label's selector)."""
    d = page.locator(label).evaluate("e => ({...e.dataset})")
    return float(d["z1"]), float(d["z2"])


def frames(page, root: str) -> int:
    """How many frames the component has decoded (`root`: its root element's selector)."""
    return int(page.locator(root).get_attribute("data-frames"))


def drag(page, overlay, root: str, start: float, step: float, moves: int = 30):
    """Press at `start` pixels right of the plane's left edge, halfway down, and move right by `step` pixels `moves`
    times, one move every 40 ms (each in an animation frame of its own), holding the button. Returns the frames the
    component decoded meanwhile, and the plane's pixel under the pointer at the end."""
    a, box = axes(overlay), overlay.bounding_box()
    x, y = box["x"] + a["left"] + start, box["y"] + a["top"] + a["size"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    before = frames(page, root)
    for k in range(1, moves + 1):
        page.mouse.move(x + step * k, y)
        page.wait_for_timeout(40)
    return frames(page, root) - before, (a["left"] + start + step * moves, a["top"] + a["size"] / 2)
