"""How long the ELBO lab takes to answer a new test digit, measured in Debian's Chromium.

    python bench/elbo_lab_speed.py [--digits 8] [--checkpoints bce bce-z8]

Starts the app as `./dev app` does (OMP_WAIT_POLICY=PASSIVE), opens the ELBO lab on each checkpoint, then for test
digits it has not shown yet types the index and times, in the browser, until each of the four digit sections
shows the new digit: section 1's log p(x) and its posterior figure (a 2-D model), the IWAE, gradient and Monte
Carlo figures, and until the run has ended. Then the same for digits shown before (cached: what is left is the
page itself), and for slider changes in the two 1-D sections, which rerun only their own fragment. Prints each
time and the median and maximum.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # the server inherits it, as under ./dev app
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

SECTIONS = ("1 posterior / estimate", "2 IWAE", "3 gradients", "4 Monte Carlo")
# Watches the page from the Enter key that submits a new index: for each section, the time (ms) when every part
# of it present before reads differently, and when all four have and no element is stale any more (the run has
# ended: Streamlit's "running" indicator only appears after 500 ms). A figure is read by the first and last bytes
# of its traces' data, which differ from one digit to the next.
WATCH = """() => {
  const part = v => v == null ? '' : v.bdata !== undefined ? v.bdata.length + v.bdata.slice(0, 24) + v.bdata.slice(-24)
    : String(v.length) + String(v[0]) + String(v[v.length - 1]);
  const chart = key => { const gd = document.querySelector(`.st-key-elbo_lab_${key}_chart .js-plotly-plot`);
    return gd && gd.data ? gd.data.map(t => part(t.x) + part(t.y) + part(t.z)).join('|') : null; };
  const metric = () => { const m = [...document.querySelectorAll("[data-testid='stMetric']")]
    .find(m => m.innerText.includes('log p(x)')); return m ? m.innerText : null; };
  const read = () => [[metric(), chart('posterior')], [chart('iwae')], [chart('gradient')], [chart('mc')]];
  const before = read(), w = {t0: null, times: before.map(() => null), done: null};
  window.__watch = w;
  document.addEventListener('keydown', e => { if (e.key === 'Enter' && w.t0 === null) w.t0 = performance.now(); },
                            {capture: true});
  const poll = () => {
    if (w.t0 !== null) {
      const now = read(), t = performance.now() - w.t0;
      now.forEach((parts, i) => {
        if (w.times[i] === null && parts.some(p => p)
            && parts.every((p, j) => before[i][j] === null || (p && p !== before[i][j]))) w.times[i] = t;
      });
      if (w.times.every(x => x !== null) && !document.querySelector("[data-stale='true']")) w.done = t;
    }
    if (w.done === null) requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
}"""


def settle(page, timeout=120000):
    """Wait until the run in progress has finished: no stale element, no "Running" indicator."""
    page.wait_for_function("""() => !document.querySelector("[data-stale='true'], [data-testid='stStatusWidget']")""",
                           timeout=timeout)


def time_digit(page, index):
    """Seconds from submitting a new index until each section shows it, then until the run has ended."""
    page.evaluate(WATCH)
    box = page.get_by_label("(0-9999)")
    box.fill(str(index))
    box.press("Enter")
    page.wait_for_function("window.__watch.done !== null", timeout=120000, polling="raf")
    w = page.evaluate("window.__watch")
    return [t / 1000 for t in w["times"]] + [w["done"] / 1000]


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


def report(name, times):
    print(f"  {name}: " + ", ".join(f"{t:.2f}" for t in times) +
          f"  -> median {statistics.median(times):.2f} s, max {max(times):.2f} s", flush=True)


def report_digits(what, rows):
    print(f"{what}, seconds from Enter until each section shows it:")
    for i, name in enumerate(SECTIONS):
        report(name, [r[i] for r in rows])
    report("all four sections drawn", [max(r[:4]) for r in rows])
    report("run ended", [r[4] for r in rows])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--digits", type=int, default=8)
    p.add_argument("--checkpoints", nargs="+", default=["bce", "bce-z8"])
    args = p.parse_args()
    with app_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n, name in enumerate(args.checkpoints):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(f"{url}/elbo_lab?checkpoint={name}&digit=7")
            page.wait_for_selector("text=6 · KL divergence has a direction", timeout=120000)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 6", timeout=120000)
            settle(page)
            print(f"{name}: first load, every section computed: {time.perf_counter() - start:.2f} s")
            digits = [100 + 37 * i for i in range(args.digits)]
            report_digits(f"{name}: a new digit", [time_digit(page, i) for i in digits])
            report_digits(f"{name}: a digit shown before (cached)", [time_digit(page, i) for i in digits[:4]])
            if n == 0:
                report("mouse-weight slider -> its figure and number (s)",
                       [time_slider_nudge(page, "mean μ (g)", WATCH_PROBABILITY) for _ in range(5)])
                report("KL slider -> its fits and table (s)",
                       [time_slider_nudge(page, "distance between the modes", WATCH_KL_TABLE) for _ in range(5)])
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
