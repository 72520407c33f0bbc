"""Screenshots of the app's pages in headless Chromium, for the README and for looking at what we built.

    python scripts/screenshot.py [--out docs] [--width 1400 --height 900] [page ...]

Starts `streamlit run app.py` on a free port, opens each page in Debian's Chromium via Playwright, waits
for its plotly figures to render, and writes one PNG per page.
"""
import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server, open_root_first  # noqa: E402

PAGES = {"start_here": "", "latent_map": "latent_map", "mse_vs_bce": "mse_vs_bce", "elbo_lab": "elbo_lab", "explorer": "explorer",
         "train": "train"}  # screenshot name -> URL path of the page


def training(page, epochs=5, at_epoch=2):
    """Start a run on the Train page and wait until its progress line passes `at_epoch`: the live view."""
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    page.get_by_role("button", name="Start").click()
    page.wait_for_function(f"() => /epoch ([{at_epoch}-9])\\.\\d+ of/.test(document.body.innerText)", timeout=120000)
    page.wait_for_timeout(2100)  # the latent map's poll is every 2 s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pages", nargs="*", default=list(PAGES))
    p.add_argument("--out", default=str(ROOT / "docs"))
    p.add_argument("--width", type=int, default=1400)
    p.add_argument("--height", type=int, default=900)
    args = p.parse_args()
    with app_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        open_root_first(browser, url)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for name in args.pages:
            page.goto(f"{url}/{PAGES[name]}")
            if name == "train":
                training(page)
                page.screenshot(path=str(Path(args.out) / f"{name}.png"))
                print(Path(args.out) / f"{name}.png")
                continue
            page.wait_for_selector(".js-plotly-plot .legend, .js-plotly-plot .main-svg, .vx-root[data-painted]", timeout=60000)
            page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
            page.wait_for_timeout(2000)  # plotly draws its WebGL layer after the SVG
            out = Path(args.out) / f"{name}.png"
            page.screenshot(path=str(out), full_page=True)
            print(out)
        browser.close()


if __name__ == "__main__":
    main()
