"""How fast the latent explorer answers the pointer, measured in Debian's Chromium.

    python bench/explorer_speed.py [--clicks 20] [--drag-seconds 3]

Starts the app, then: page load -> map painted (a fresh browser session each time, the first one while the
server still has to encode the test set); click -> decoded image painted (wall clock seen by Playwright, so it
includes its own round trip to the browser); decoded frames per second while dragging, next to the rate the
browser runs animation frames at; the time the browser's decoder takes per z; and the bytes the server sends
on the rerun a click starts.

The explorer decodes once per animation frame, so a drag can never show more frames than the display refreshes:
headless Chromium paces them at about 60 Hz. The drag is therefore measured twice: in that browser, and in one
started with its frame-rate limit and vsync off, which shows how many decoded frames per second the page could
draw if the display allowed it.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

ROOT_SEL = ".vx-root[data-painted]"
UNCAPPED = ["--disable-frame-rate-limit", "--disable-gpu-vsync"]
RUNNING = "[data-testid='stStatusWidget']"
RAF_RATE = """() => new Promise(done => { let n = 0; const t0 = performance.now();
    const tick = () => (++n, performance.now() - t0 < 1000 ? requestAnimationFrame(tick) : done(n)); tick(); })"""
DECODE_MS = """root => { const t0 = performance.now();
    for (let i = 0; i < 2000; i++) root.vxDecode(Math.sin(i), Math.cos(i)); return (performance.now() - t0) / 2000; }"""


def load(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    start = time.perf_counter()
    page.goto(f"{url}/explorer")
    page.wait_for_selector(ROOT_SEL, timeout=120000)
    return page, time.perf_counter() - start


def origin_of(page):
    box = page.locator(".vx-overlay").bounding_box()
    return box["x"], box["y"]


def frames(page):
    return page.locator(ROOT_SEL).evaluate("r => Number(r.dataset.frames)")


def click_times(page, origin, clicks):
    times = []
    for i in range(clicks):
        root = page.locator(ROOT_SEL).element_handle()  # inside the component's shadow root
        before = frames(page)
        start = time.perf_counter()
        page.mouse.click(origin[0] + 60 + 17 * i, origin[1] + 80 + 13 * i)
        page.wait_for_function("([root, before]) => Number(root.dataset.frames) > before", arg=[root, before])
        times.append(time.perf_counter() - start)
        page.wait_for_selector(RUNNING, state="detached", timeout=60000)
    return times


# Pointer moves dispatched inside the page (Playwright's own round trip per move is slower than an animation
# frame on a busy machine): one every 4 ms, as a 250 Hz mouse sends (real ones send 125-1000), and one more in
# every animation frame, so that a browser drawing faster than 250 frames/s still has a new point each frame.
SWEEP = """([root, seconds]) => new Promise(done => {
    const overlay = root.querySelector('.vx-overlay'), box = overlay.getBoundingClientRect();
    const before = Number(root.dataset.frames), t0 = performance.now();
    let i = 0, animationFrames = 0, counting = true;
    const move = () => { i++; overlay.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerId: 1,
        clientX: box.left + 70 + (i * 7) % 400, clientY: box.top + 250 + (i * 3) % 100})); };
    const tick = () => { animationFrames++; move(); if (counting) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const timer = setInterval(() => {
        move();
        const t = performance.now() - t0;
        if (t > 1000 * seconds) { clearInterval(timer); counting = false;
            done([Number(root.dataset.frames) - before, i, t, animationFrames]); }
    }, 4);
})"""


def drag_rate(page, origin, seconds):
    """Decoded frames and pointer moves per second while the pointer sweeps with the button held."""
    page.mouse.move(origin[0] + 70, origin[1] + 250)
    page.mouse.down()
    root = page.locator(ROOT_SEL).element_handle()
    count, moves, ms, animation = page.evaluate(SWEEP, [root, seconds])
    page.mouse.up()
    return 1000 * count / ms, 1000 * moves / ms, 1000 * animation / ms


def rerun_bytes(page, origin):
    """Bytes the server sends over the websocket for the rerun one click starts."""
    received = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.append(len(p))))
    page.reload()
    page.wait_for_selector(ROOT_SEL, timeout=60000)
    page.wait_for_selector(RUNNING, state="detached", timeout=60000)
    page.wait_for_timeout(500)
    first = sum(received)
    received.clear()
    page.mouse.click(origin[0] + 300, origin[1] + 300)
    page.wait_for_timeout(300)
    page.wait_for_selector(RUNNING, state="detached", timeout=60000)
    page.wait_for_timeout(500)
    return first, sum(received)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clicks", type=int, default=20)
    p.add_argument("--drag-seconds", type=float, default=3.0)
    args = p.parse_args()
    with app_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        loads = [load(browser, url) for _ in range(4)]
        print("page load -> map painted (s): " + ", ".join(f"{t:.2f}" for _, t in loads) +
              f"  (first with the server encoding the test set; median of the rest {statistics.median([t for _, t in loads[1:]]):.2f})")
        for extra, _ in loads[1:]:
            extra.close()
        page = loads[0][0]
        origin = origin_of(page)
        times = [1000 * t for t in click_times(page, origin, args.clicks)]
        print(f"click -> decoded image painted (ms): p50 {statistics.median(times):.1f}, max {max(times):.1f}")
        fps, moves, animation = drag_rate(page, origin, args.drag_seconds)
        print(f"drag: {fps:.1f} decoded frames/s ({moves:.0f} pointer moves/s; the browser ran {animation:.1f} "
              f"animation frames/s meanwhile, {page.evaluate(RAF_RATE)}/s when idle)")
        uncapped = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + UNCAPPED)
        free, _ = load(uncapped, url)
        fps, moves, animation = drag_rate(free, origin_of(free), args.drag_seconds)
        print(f"drag, frame-rate limit off: {fps:.1f} decoded frames/s ({moves:.0f} pointer moves/s; "
              f"{animation:.1f} animation frames/s)")
        uncapped.close()
        print(f"browser decoder: {page.locator(ROOT_SEL).evaluate(DECODE_MS) * 1000:.0f} µs per z")
        first, per_click = rerun_bytes(page, origin)
        print(f"websocket bytes: page load {first / 1e3:.0f} kB, the rerun after a click {per_click / 1e3:.1f} kB")
        browser.close()


if __name__ == "__main__":
    main()
