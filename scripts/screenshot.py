"""Screenshots of the app's pages in headless Chromium, for the README and for looking at what we built.

    python scripts/screenshot.py [--out artifacts/screens] [--sizes 390x844 1366x768 1920x1080] [page ...]
    python scripts/screenshot.py --query "checkpoint=fashion-bce&dataset=fashion-mnist" --tag fashion explorer

Starts the app (server.py) on a free port, opens each page (keys of ui.navigation.PAGES) in Debian's Chromium
via Playwright at each screen size, waits for its figures to render, and writes one full-page PNG per page and
size: <out>/<size>/<page>.png, or <out>/<page>.png for a single size (`--out docs --sizes 1400x900` for the README).
`--query` opens each page on a link (the same for every page; a page ignores what it does not take), and `--tag`
adds to the file names: <page>-<tag>.png.
"""
import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server  # noqa: E402
from ui.navigation import HOME, PAGES  # noqa: E402


def training(page, epochs=5, at_epoch=2):
    """Start a run on the Train page (in the browser, the page's default) and wait until its progress line passes
    `at_epoch`: the live view. (The line is in the view's shadow root, which Playwright's locators pierce.)"""
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Start").click()
    status = page.locator(".bv-status")
    status.wait_for(timeout=120000)
    for _ in range(600):
        if re.search(rf"epoch ([{at_epoch}-9])\.\d+ of", status.inner_text()):
            break
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)  # the view draws at the next animation frame


def shoot(page, url, name, out: Path, query: str = ""):
    page.goto(f"{url}/{'' if name == HOME else name}" + (f"?{query}" if query else ""))
    if name == "train":
        training(page)
        page.screenshot(path=str(out), full_page=True)
        return
    page.wait_for_selector(".js-plotly-plot .legend, .js-plotly-plot .main-svg, .vx-root[data-painted]", timeout=60000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    page.wait_for_timeout(2000)  # plotly draws its WebGL layer after the SVG
    page.screenshot(path=str(out), full_page=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pages", nargs="*", default=list(PAGES), help=f"any of {', '.join(PAGES)}")
    p.add_argument("--out", default=str(ROOT / "artifacts" / "screens"))
    p.add_argument("--sizes", nargs="+", default=["390x844", "1366x768", "1920x1080"], help="WIDTHxHEIGHT")
    p.add_argument("--query", default="", help="a link's parameters for every page, e.g. checkpoint=fashion-bce")
    p.add_argument("--tag", default="", help="added to each file name: <page>-<tag>.png")
    args = p.parse_args()
    if set(args.pages) - set(PAGES):  # (argparse's choices would check the default list as one value)
        p.error(f"unknown pages {sorted(set(args.pages) - set(PAGES))}; the pages are {', '.join(PAGES)}")
    with app_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in args.sizes:
            width, height = map(int, size.split("x"))
            folder = Path(args.out) / (size if len(args.sizes) > 1 else "")
            folder.mkdir(parents=True, exist_ok=True)
            for name in args.pages:
                context = browser.new_context(viewport={"width": width, "height": height})  # a session per shot
                out = folder / f"{name}{'-' + args.tag if args.tag else ''}.png"
                shoot(context.new_page(), url, name, out, args.query)
                context.close()
                print(out)
        browser.close()


if __name__ == "__main__":
    main()
