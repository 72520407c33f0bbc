"""Every picture README.md and docs/ show, made again from the running app:

    python scripts/docs_pictures.py            # all of them, into docs/
    python scripts/docs_pictures.py train      # only docs/train.png

Each picture is one page, opened (on a link, where it has one) in its own session of Debian's Chromium at the size
below, scrolled to a heading where its subject is further down, and shot as the screen shows it. The pages' own
waits, the Train page's run in the browser and the class board's seeded class are those of scripts/screenshot.py.
tests/test_docs.py checks that these are exactly the pictures README.md and docs/ link to, and that they exist.
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server  # noqa: E402

DOCS = ROOT / "docs"

# file in docs/ -> (page key, WIDTHxHEIGHT, link's query, the heading to scroll to or "")
PICTURES = {
    "start_here.png": ("start_here", "1366x768", "", ""),
    "latent_map.png": ("latent_map", "1366x768", "", ""),
    "explorer.png": ("explorer", "1366x900", "z=-0.7,0.5", ""),
    "explorer_phone.png": ("explorer", "390x844", "", ""),
    "fashion_explorer.png": ("explorer", "1366x900", "checkpoint=fashion-bce", ""),
    "class_style.png": ("class_style", "1366x900", "", ""),
    "train.png": ("train", "1366x1000", "", ""),
    "elbo_lab.png": ("elbo_lab", "1366x900", "digit=42", "1 · The true posterior against the encoder's guess"),
    "mse_vs_bce.png": ("mse_vs_bce", "1366x900", "", ""),
    "latent_size.png": ("latent_size", "1366x900", "", "2 · Rate against distortion"),
    "class_board.png": ("class_board", "1366x900", "", ""),
}


def take(browser, url: str, name: str, out: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from scripts.screenshot import shoot  # (imports torch and the board's code: only when shooting)
    key, size, query, heading = PICTURES[name]
    width, height = map(int, size.split("x"))
    for attempt in (1, 2):  # a page that did not settle in time on a busy machine gets one more try, in a new session
        context = browser.new_context(viewport={"width": width, "height": height})  # a session per picture
        page = context.new_page()
        try:
            shoot(page, url, key, out, query)
            break
        except PlaywrightTimeout:
            context.close()
            if attempt == 2:
                raise
    if heading:
        page.get_by_role("heading", name=heading).first.evaluate("(h) => h.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1500)  # figures drawn on scrolling into view
        page.screenshot(path=str(out))
    context.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pictures", nargs="*", default=list(PICTURES), help=f"any of {', '.join(PICTURES)}")
    p.add_argument("--out", default=str(DOCS))
    args = p.parse_args()
    names = [n if n.endswith(".png") else f"{n}.png" for n in args.pictures]
    if set(names) - set(PICTURES):
        p.error(f"unknown pictures {sorted(set(names) - set(PICTURES))}; they are {', '.join(PICTURES)}")
    from playwright.sync_api import sync_playwright
    from scripts.screenshot import seed_board
    scratch = tempfile.TemporaryDirectory(prefix="vae-board-")  # never the board in data/
    board = Path(scratch.name) / "board.sqlite3"
    if "class_board.png" in names:
        seed_board(board, 36)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    with scratch, app_server(env={"VAE_BOARD_DB": str(board)}) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name in names:
            take(browser, url, name, Path(args.out) / name)
            print(Path(args.out) / name)
        browser.close()


if __name__ == "__main__":
    main()
