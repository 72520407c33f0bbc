"""A cold server's first visitor: how long the lesson's first figure takes to appear in Chromium.

    python bench/cold_start.py [--repeats 3] [--app-dir DIR ...] [--page ""]

Each repeat starts a fresh `streamlit run server.py` (scripts.appserver, as ./dev app runs it) and, as soon as it
answers its health check, opens the page in Debian's Chromium (launched beforehand, so that its own start is not
counted) and times, from the visit's start: the first script run's first element on screen (the page's title), and
its first figure drawn (a plotly chart's SVG, or a canvas chart drawn: the lesson's first map is one). Also printed:
how long the server took to answer its health check, and a second visit's first figure once the first is over (a
warm server: what the browser itself takes).
With several --app-dir (checkouts of the app), the repeats alternate between them, to compare side by side on a
machine whose load changes. Target (the lecture-hall issue): the first figure within 3 s of the visit's start.
"""
import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server  # noqa: E402

TARGET_S = 3.0
# a plotly chart's SVG, or a canvas chart drawn (ui/assets/chart_frame.js marks it; Playwright's CSS sees into shadow roots)
FIGURE = "[data-testid='stPlotlyChart'] .main-svg, .lc-root[data-draws]"


async def first_visit(browser, url: str, page_path: str) -> dict:
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/{page_path}")
        await page.wait_for_selector("h1", timeout=120_000)
        title = time.perf_counter() - started
        await page.wait_for_selector(FIGURE, timeout=120_000)
        return {"title_s": title, "figure_s": time.perf_counter() - started}
    finally:
        await context.close()


async def measure(app_dirs, repeats: int, page_path: str) -> dict:
    results = {d: [] for d in app_dirs}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(repeats):
                for d in app_dirs:
                    asked = time.perf_counter()
                    with app_server(cwd=Path(d)) as url:
                        health = time.perf_counter() - asked
                        seen = await first_visit(browser, url, page_path)
                        again = (await first_visit(browser, url, page_path))["figure_s"]
                    results[d].append({"health_s": health, **seen, "again_s": again})
                    print(f"{d}: answered in {health:.1f} s, title {seen['title_s']:.1f} s, "
                          f"first figure {seen['figure_s']:.1f} s; a second visit's {again:.1f} s", flush=True)
        finally:
            await browser.close()
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--app-dir", nargs="+", default=[str(ROOT)], help="checkouts of the app, compared side by side")
    p.add_argument("--page", default="", help="the page's path ('' is the lesson, the home page)")
    args = p.parse_args()
    results = asyncio.run(measure(args.app_dir, args.repeats, args.page))
    print(f"\nload average {os.getloadavg()[0]:.1f} (1 min) at the end")
    print("| app | server answers, s | first visit: title, s | first visit: first figure, s (median; all) | target | "
          "second visit: first figure, s |")
    print("|---|---|---|---|---|---|")
    for d, runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("health_s", "title_s", "figure_s", "again_s")}
        every = ", ".join(f"{r['figure_s']:.1f}" for r in runs)
        verdict = "met" if med["figure_s"] <= TARGET_S else "missed"
        print(f"| {d} | {med['health_s']:.1f} | {med['title_s']:.1f} | {med['figure_s']:.1f} ({every}) | "
              f"≤ {TARGET_S:g} s: {verdict} | {med['again_s']:.1f} |")


if __name__ == "__main__":
    main()
