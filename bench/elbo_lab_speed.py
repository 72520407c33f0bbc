"""How long the ELBO lab takes to redraw after a change, measured in Debian's Chromium.

    python bench/elbo_lab_speed.py [--digits 8]

Starts the app, opens the ELBO lab, then for several new test digits types the index and times until the
"log p(x)" number shows the new digit's value and the page has stopped running (every section recomputed:
quadrature, importance weighting, gradients, Monte Carlo). Then times slider changes in the two 1-D sections,
which rerun only their own fragment. Prints each time and the median and maximum.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

RUNNING = "[data-testid='stStatusWidget']"


def settle(page, timeout=60000):
    """Wait until the run in progress has finished (the "Running" indicator is gone)."""
    page.wait_for_selector(RUNNING, state="detached", timeout=timeout)


def metric_text(page, label):
    return page.locator("[data-testid='stMetric']", has_text=label).locator("[data-testid='stMetricValue']").inner_text()


def time_digit_change(page, index):
    """Seconds until section 1's log p(x) shows the new digit's value, and until every section is done."""
    before = metric_text(page, "log p(x)")
    box = page.get_by_label("Test digit (0-9999)")
    start = time.perf_counter()
    box.fill(str(index))
    box.press("Enter")
    page.wait_for_function(
        """([before]) => [...document.querySelectorAll("[data-testid='stMetric']")]
            .some(m => m.innerText.includes("log p(x)") && !m.innerText.includes(before))""",
        arg=[before], timeout=60000)
    first = time.perf_counter() - start
    page.wait_for_timeout(100)
    settle(page)
    return first, time.perf_counter() - start


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
    print(f"{name}: " + ", ".join(f"{t:.2f}" for t in times) +
          f"  -> median {statistics.median(times):.2f} s, max {max(times):.2f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--digits", type=int, default=8)
    args = p.parse_args()
    with app_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(f"{url}/elbo_lab")
        page.wait_for_selector("text=6 · KL divergence has a direction", timeout=120000)
        settle(page, 120000)
        print(f"first load, every section computed: {time.perf_counter() - start:.2f} s")
        times = [time_digit_change(page, 100 + 37 * i) for i in range(args.digits)]
        report("new digit -> posterior figure and numbers (s)", [t[0] for t in times])
        report("new digit -> all four digit sections done (s)", [t[1] for t in times])
        report("mouse-weight slider -> its figure and number (s)",
               [time_slider_nudge(page, "mean μ (g)", WATCH_PROBABILITY) for _ in range(5)])
        report("KL slider -> its fits and table (s)",
               [time_slider_nudge(page, "distance between the modes", WATCH_KL_TABLE) for _ in range(5)])
        browser.close()


if __name__ == "__main__":
    main()
