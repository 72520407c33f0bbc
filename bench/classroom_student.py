"""One student of bench/classroom_load.py: a browser context on the Latent explorer that clicks and drags with
pauses, and what it measures; and the one session that trains on the Train page meanwhile.

Latencies are timed inside the page on the page's clock, so Playwright's own round trips (slow when 30 pages
share one driver) are not counted. A click's two latencies:
  decode: the pointerdown event's timestamp (when the browser received the press, so input queued behind a busy
          main thread counts) -> the end of the animation-frame callback that drew the digit decoded at that
          z (the explorer's `data-frames` counter changing);
  server: the pointerup event's timestamp (the explorer sends z to Python on release) -> the moment the page's
          z₁ and z₂ metrics, which the server's rerun draws, show that z (seen by a MutationObserver).
A drag's release is timed like a click's; during the drag, the decoded frames are counted.
"""
import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field

ROOT_SEL = ".vx-root[data-painted]"
VIEWPORT = {"width": 1280, "height": 900}
WAIT_MS = 30000  # a click whose rerun has not shown up after this is counted as a timeout
# Opened on a deep link, Streamlit's frontend probes /<page>/_stcore/health and /host-config for the base path:
# those 404s are how it works (tests/conftest.py filters them too).
PROBE_404 = re.compile(r"/[^/]+/_stcore/(health|host-config)$")

# Installs the probe on first use (or after the component built a new root) and arms it for one action.
ARM = """root => {
  let p = root.vxProbe;
  if (!p) {
    const overlay = root.querySelector('.vx-overlay'), label = root.querySelector('.vx-z');
    p = root.vxProbe = {};
    const metric = name => {
      for (const m of document.querySelectorAll('[data-testid="stMetric"]'))
        if (m.querySelector('[data-testid="stMetricLabel"]').textContent.trim() === name)
          return Number(m.querySelector('[data-testid="stMetricValue"]').textContent);
      return NaN;
    };
    // the metrics show 4 decimals: within half the last one of the sent z is "showing it"
    p.check = () => {
      if (!p.want || p.served !== null) return;
      if (Math.abs(metric('z₁') - p.want[0]) <= 5.1e-5 && Math.abs(metric('z₂') - p.want[1]) <= 5.1e-5) {
        p.served = performance.now();
        p.resolve();
      }
    };
    overlay.addEventListener('pointerdown', e => { if (p.down === null) p.down = e.timeStamp; }, true);
    // runs just before the explorer's own listener, which sets the z it sends and asks for a frame
    overlay.addEventListener('pointerup', e => { p.up = e.timeStamp; }, true);
    new MutationObserver(() => {
      const t = performance.now();
      p.frames++;
      if (p.down !== null && p.painted === null) p.painted = t;
      if (p.up !== null && p.want === null) { p.want = [Number(label.dataset.z1), Number(label.dataset.z2)]; p.check(); }
    }).observe(root, {attributes: true, attributeFilter: ['data-frames']});
    new MutationObserver(() => p.check()).observe(document.body, {subtree: true, childList: true, characterData: true});
  }
  Object.assign(p, {down: null, painted: null, up: null, want: null, served: null, frames: 0});
  p.done = new Promise(resolve => p.resolve = resolve);
}"""
RESULT = """(root, ms) => Promise.race([root.vxProbe.done, new Promise(f => setTimeout(f, ms))]).then(() => {
  const p = root.vxProbe;
  return {decode: p.painted === null ? null : p.painted - p.down, server: p.served === null ? null : p.served - p.up,
          exceptions: document.querySelectorAll('[data-testid="stException"]').length};
})"""
# Pointer moves at 125 per second (the slowest common mouse) along a line with a sideways wobble, dispatched
# inside the page: one Playwright call per move would be slower than the frames being counted.
SWEEP = """(root, [x0, y0, x1, y1, ms]) => new Promise(done => {
  const overlay = root.querySelector('.vx-overlay'), box = overlay.getBoundingClientRect();
  const t0 = performance.now(), f0 = root.vxProbe.frames;
  const timer = setInterval(() => {
    const s = Math.min(1, (performance.now() - t0) / ms), w = 20 * Math.sin(2 * Math.PI * s);
    overlay.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerId: 1,
      clientX: box.left + x0 + (x1 - x0) * s + w, clientY: box.top + y0 + (y1 - y0) * s - w}));
    if (s >= 1) { clearInterval(timer); done([root.vxProbe.frames - f0, performance.now() - t0]); }
  }, 8);
})"""


class Contexts(list):
    """The open browser contexts; `closing` is set once they are being closed, when a failed request or a
    console error says nothing about the app."""
    closing = False


@dataclass
class Student:
    index: int
    load_s: float | None = None
    clicks: list = field(default_factory=list)  # (decode ms, server ms or None)
    drags: list = field(default_factory=list)  # (decoded frames per s, server ms or None)
    errors: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)
    exceptions: int = 0  # the most Streamlit exception boxes seen on the page at once
    loaded: bool = False  # the explorer is open and connected (until the contexts close)
    arrived: bool = False  # its page load has ended, painted or failed

    def error(self, kind: str, text: str):
        self.errors[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(f"session {self.index} {kind}: {text[:300]}")


def watch(page, student: Student, contexts: Contexts):
    """Count console errors, page errors, failed requests and HTTP errors until the contexts are closing."""
    def console(msg):
        if msg.type == "error" and not contexts.closing and not PROBE_404.search(msg.location.get("url", "")):
            student.error("console", msg.text)

    def response(r):
        if r.status >= 400 and not contexts.closing and not PROBE_404.search(r.url):
            student.error("http", f"{r.status} {r.url}")
    page.on("console", console)
    page.on("pageerror", lambda exc: contexts.closing or student.error("page", str(exc)))
    page.on("requestfailed", lambda r: contexts.closing or student.error("request", f"{r.url} {r.failure}"))
    page.on("response", response)


async def act(page, student: Student, rng, drag: bool):
    """One click or one ~1 s drag at random points of the plot, then wait for the server's answer."""
    overlay = page.locator(".vx-overlay")
    root = page.locator(ROOT_SEL)
    a = await overlay.evaluate("e => ({...e.dataset})")
    left, top, size = float(a["left"]), float(a["top"]), float(a["size"])
    box = await overlay.bounding_box()
    x0, y0, x1, y1 = (rng.uniform(30, size - 30) for _ in range(4))
    await root.evaluate(ARM)
    await page.mouse.move(box["x"] + left + x0, box["y"] + top + y0)
    await page.mouse.down()
    if drag:
        frames, ms = await root.evaluate(SWEEP, [left + x0, top + y0, left + x1, top + y1, 1000])
        await page.mouse.move(box["x"] + left + x1, box["y"] + top + y1)
    await page.mouse.up()
    r = await root.evaluate(RESULT, WAIT_MS)
    if r["server"] is None:
        student.error("timeout", f"no rerun showed the z of a {'drag' if drag else 'click'} within {WAIT_MS} ms")
    student.exceptions = max(student.exceptions, r["exceptions"])
    if drag:
        student.drags.append((1000 * frames / ms, r["server"]))
    else:
        student.clicks.append((r["decode"], r["server"]))


async def student_session(browser, url, student: Student, rng, start_at, deadline, think, contexts):
    """Open the explorer at `start_at`, then alternate clicks and drags with think times until `deadline`.
    The context is left open (in `contexts`) so the server still holds the session when memory is read."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    context = await browser.new_context(viewport=VIEWPORT)
    contexts.append(context)
    page = await context.new_page()
    watch(page, student, contexts)
    t0 = time.monotonic()
    try:
        await page.goto(f"{url}/explorer")
        await page.wait_for_selector(ROOT_SEL, timeout=120000)
        await page.locator(".vx-overlay").scroll_into_view_if_needed()
    except Exception as exc:  # noqa: BLE001 - a session that cannot load is a result, not a crash
        student.error("load", repr(exc))
        return
    finally:
        student.arrived = True
    student.load_s = time.monotonic() - t0
    student.loaded = True
    drag = False
    while time.monotonic() + think[0] < deadline:
        await asyncio.sleep(min(rng.uniform(*think), max(0.0, deadline - time.monotonic())))
        try:
            await act(page, student, rng, drag)
        except Exception as exc:  # noqa: BLE001
            student.error("script", repr(exc))
        drag = not drag


async def start_training(browser, url):
    """A session on the Train page that starts a 100-epoch run (longer than any load level) and polls it."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    await page.goto(f"{url}/train")
    await page.get_by_label("Epochs").fill("100")
    await page.get_by_label("Epochs").press("Enter")
    await page.get_by_role("button", name="Start").click()
    await page.locator("[data-testid='stProgress']", has_text="samples/s").wait_for(timeout=120000)
    return context, page


async def read_training(page) -> dict | None:
    """What the Train page shows now: {"epoch", "samples_per_s", "t"}, or None if it cannot be read."""
    try:
        text = await page.locator("[data-testid='stProgress']").inner_text(timeout=10000)
    except Exception:  # noqa: BLE001
        return None
    m = re.search(r"epoch ([\d.]+) of \d+ · ([\d,]+) samples/s", text)
    return m and {"epoch": float(m[1]), "samples_per_s": float(m[2].replace(",", "")), "t": time.monotonic()}


async def stop_training(page):
    await page.get_by_role("button", name="Stop").click(timeout=30000)
    await page.wait_for_selector("text=Training stopped", timeout=30000)
