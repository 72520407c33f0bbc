"""How long the ELBO lab takes to answer a new test digit, measured in Debian's Chromium.

    python bench/elbo_lab_speed.py [--digits 8] [--checkpoints bce bce-z8]

Starts the app as `./dev app` does (OMP_WAIT_POLICY=PASSIVE), opens the ELBO lab on each checkpoint, then for test
digits it has not shown yet types the index and times, in the browser, until each of the four digit sections
shows the new digit: section 1's log p(x) and its posterior figure (a 2-D model), the IWAE, gradient and Monte
Carlo figures, and until the run has ended, with the CPU time the server and Chromium's renderers used per
digit (from /proc). Then the same for digits shown before (cached: what is left is the
page itself), for presses of "Random" a few seconds after the last answer (the digit it opens has been drawn in
advance and computed while the server was idle: ui.ahead), and for slider changes in the two 1-D sections, which
rerun only their own fragment. Last, on the same server, the same number of other new digits and of "Random"
presses through the protocol client (scripts/protocol_client.py, no browser): the server's side alone, from the
rerun it is sent to the run's end. Prints each time and the median and maximum.
"""
import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # the server inherits it, as under ./dev app
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402
from scripts.proc_tree import command_line, descendants, parents, server_pid, usage  # noqa: E402
from scripts.protocol_client import Tab  # noqa: E402

# Seconds a student looks at an answer before pressing "Random": long enough for the idle server to have computed
# the digit that press opens (ui.ahead waits for 0.3 s of idle CPUs, then takes about 0.3 s).
READING = 3.0
SECTIONS = ("1 posterior / estimate", "2 IWAE", "3 gradients", "4 Monte Carlo")
# Watches the page from the Enter key that submits a new index (or the click on "Random"): for each section, the time
# (ms) of the first frame in which every part of it present before reads differently, and of the first in which
# all four have and no element is stale any more (the run has ended: Streamlit's "running" indicator only appears
# after 500 ms). A figure is read by what its canvas chart records once it has drawn: the checkpoint, digit and
# seed it drew (ui/assets/chart.js). The watch does not poll: a MutationObserver notes each change to the page
# and the charts, and the next animation frame (the one that shows the change) reads the page, so the probe
# itself costs the browser next to nothing while it waits.
WATCH = """() => {
  const inside = el => el.querySelector('.lc-root')
    || [...el.querySelectorAll('*')].filter(e => e.shadowRoot).map(e => inside(e.shadowRoot)).find(Boolean);
  const keys = ['posterior', 'iwae', 'gradient', 'mc'], roots = {};
  let observer = null;
  const chart = key => {
    if (!roots[key] || !roots[key].isConnected) {
      const host = document.querySelector(`.st-key-elbo_lab_${key}_chart`);
      roots[key] = host && inside(host);
      if (roots[key] && observer) observer.observe(roots[key], {attributes: true, attributeFilter: ['data-last']});
    }
    return roots[key] ? roots[key].dataset.last : null;
  };
  const metric = () => { const m = [...document.querySelectorAll("[data-testid='stMetric']")]
    .find(m => m.textContent.includes('log p(x)')); return m ? m.textContent : null; };
  const read = () => [[metric(), chart('posterior')], [chart('iwae')], [chart('gradient')], [chart('mc')]];
  const before = read(), w = {t0: null, times: before.map(() => null), done: null};
  window.__watch = w;
  document.addEventListener('keydown', e => { if (e.key === 'Enter' && w.t0 === null) w.t0 = performance.now(); },
                            {capture: true});
  document.addEventListener('click', e => {
    if (e.target.closest('.st-key-elbo_lab_random') && w.t0 === null) w.t0 = performance.now(); }, {capture: true});
  let pending = false;
  const check = () => {
    pending = false;
    if (w.t0 === null || w.done !== null) return;
    const now = read(), t = performance.now() - w.t0;
    now.forEach((parts, i) => {
      if (w.times[i] === null && parts.some(p => p)
          && parts.every((p, j) => before[i][j] === null || (p && p !== before[i][j]))) w.times[i] = t;
    });
    if (w.times.every(x => x !== null) && !document.querySelector("[data-stale='true']")) {
      w.done = t;
      observer.disconnect();
    }
  };
  observer = new MutationObserver(() => { if (!pending) { pending = true; requestAnimationFrame(check); } });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                   attributeFilter: ['data-stale']});
  keys.forEach(k => roots[k] && observer.observe(roots[k], {attributes: true, attributeFilter: ['data-last']}));
}"""


def settle(page, timeout=120000):
    """Wait until the run in progress has finished: no stale element, no "Running" indicator."""
    page.wait_for_function("""() => !document.querySelector("[data-stale='true'], [data-testid='stStatusWidget']")""",
                           timeout=timeout)


def frame_log(page) -> list:
    """(direction, time s) of each websocket frame of the page's, from Chromium's DevTools protocol."""
    frames = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameSent", lambda e: frames.append(("out", e["timestamp"])))
    cdp.on("Network.webSocketFrameReceived", lambda e: frames.append(("in", e["timestamp"])))
    return frames


def time_digit(page, index, frames):
    """Seconds from submitting a new index (or, for index None, from a click on "Random") until each section shows
    the new digit, then until the run has ended; and from the page's request for the rerun to the last message of
    the run arriving (the server's side, beside the browser)."""
    page.evaluate(WATCH)
    if index is None:
        frames.clear()
        page.locator(".st-key-elbo_lab_random button").click()
    else:
        box = page.get_by_label("(0-9999)")
        box.fill(str(index))
        frames.clear()
        box.press("Enter")
    page.wait_for_function("window.__watch.done !== null", timeout=120000, polling=100)  # the watch has the times
    w = page.evaluate("window.__watch")
    page.wait_for_timeout(100)  # the frames' events come in on their own
    sent = next(t for d, t in frames if d == "out")
    return [t / 1000 for t in w["times"]] + [w["done"] / 1000, max(t for d, t in frames if d == "in") - sent]


WATCH_PROBABILITY = """() => [...document.querySelectorAll("[data-testid='stMetric']")]
    .find(m => m.innerText.startsWith("P(")).innerText"""
WATCH_KL_TABLE = """() => [...document.querySelectorAll("[data-testid='stTable']")].pop().innerText"""


def time_slider_nudge(page, label, watched_js):
    """Seconds from a key press on a slider until the text that `watched_js` returns reads differently."""
    old = page.evaluate(watched_js)
    slider = page.get_by_role("slider", name=label)
    start = time.perf_counter()
    slider.press("ArrowRight")
    page.wait_for_function(f"([old]) => ({watched_js})() !== old", arg=[old], timeout=60000)
    return time.perf_counter() - start


def cpu_now(server: int) -> dict:
    """CPU seconds used so far by the app server and by Chromium's renderers (the processes that run the pages)."""
    renderers = [pid for pid in descendants(os.getpid(), parents()) if "--type=renderer" in command_line(pid)]
    return {"server": usage([server])["cpu_s"], "Chromium's renderers": usage(renderers)["cpu_s"]}


def timed_digits(page, digits, frames, server, reading=0.0):
    """time_digit for each digit after `reading` seconds on the page, and the CPU seconds per digit the server and
    the renderers used meanwhile."""
    before = cpu_now(server)
    rows = [(page.wait_for_timeout(1000 * reading), time_digit(page, i, frames))[1] for i in digits]
    after = cpu_now(server)
    return rows, {k: (after[k] - before[k]) / len(digits) for k in after}


def report(name, times):
    print(f"  {name}: " + ", ".join(f"{t:.2f}" for t in times) +
          f"  -> median {statistics.median(times):.2f} s, max {max(times):.2f} s", flush=True)


def report_digits(what, timed):
    rows, cpu = timed
    print(f"{what}, seconds from Enter until each section shows it:")
    for i, name in enumerate(SECTIONS):
        report(name, [r[i] for r in rows])
    report("all four sections drawn", [max(r[:4]) for r in rows])
    report("run ended", [r[4] for r in rows])
    report("the run's last message, from the page's request", [r[5] for r in rows])
    print("  CPU per digit: " + ", ".join(f"{k} {v:.2f} s" for k, v in cpu.items()))


async def server_alone(url, name, digits):
    """Seconds of the server's run for each new digit, again for the same digits (cached), and for as many
    presses of "Random" READING seconds after the last answer, with no browser."""
    tab = Tab(url, "elbo_lab", f"checkpoint={name}&digit=7")
    await tab.open()
    try:
        typed = [[(await tab.set_value("elbo_lab_index", int_value=i)).ms / 1000 for i in digits] for _ in range(2)]
        randoms = []
        for _ in digits:
            await asyncio.sleep(READING)
            randoms.append((await tab.click("elbo_lab_random")).ms / 1000)
        return typed + [randoms]
    finally:
        await tab.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--digits", type=int, default=8)
    p.add_argument("--checkpoints", nargs="+", default=["bce", "bce-z8"])
    args = p.parse_args()
    with app_server() as url:
        server = server_pid(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n, name in enumerate(args.checkpoints):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                frames = frame_log(page)
                start = time.perf_counter()
                page.goto(f"{url}/elbo_lab?checkpoint={name}&digit=7")
                page.wait_for_selector("text=6 · KL divergence has a direction", timeout=120000)
                page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3",  # the 1-D sections
                                       timeout=120000)
                settle(page)
                print(f"{name}: first load, every section computed: {time.perf_counter() - start:.2f} s")
                digits = [100 + 37 * i for i in range(args.digits)]
                report_digits(f"{name}: a new digit", timed_digits(page, digits, frames, server))
                report_digits(f"{name}: a digit shown before (cached)", timed_digits(page, digits[:4], frames, server))
                report_digits(f"{name}: \"Random\", {READING:.0f} s after the last answer (computed ahead, in this CPU)",
                              timed_digits(page, [None] * args.digits, frames, server, READING))
                if n == 0:
                    report("mouse-weight slider -> its figure and number (s)",
                           [time_slider_nudge(page, "mean μ (g)", WATCH_PROBABILITY) for _ in range(5)])
                    report("KL slider -> its fits and table (s)",
                           [time_slider_nudge(page, "distance between the modes", WATCH_KL_TABLE) for _ in range(5)])
                page.close()
            browser.close()
        for name in args.checkpoints:  # digits none of the runs above has shown
            new, cached, randoms = asyncio.run(server_alone(url, name, [5000 + 37 * i for i in range(args.digits)]))
            report(f"{name}: server alone, a new digit (s)", new)
            report(f"{name}: server alone, the same digits again (s)", cached)
            report(f"{name}: server alone, \"Random\" {READING:.0f} s after the last answer (s)", randoms)


if __name__ == "__main__":
    main()
