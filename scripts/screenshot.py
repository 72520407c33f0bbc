"""Screenshots of the app's pages in headless Chromium, for the README and for looking at what we built.

    python scripts/screenshot.py [--out artifacts/screens] [--sizes 390x844 1366x768 1920x1080] [page ...]
    python scripts/screenshot.py --query "checkpoint=fashion-bce&dataset=fashion-mnist" --tag fashion explorer

Starts the app (server.py) on a free port, opens each page (keys of ui.navigation.PAGES) in Debian's Chromium
via Playwright at each screen size, waits for its figures to render, and writes one full-page PNG per page and
size: <out>/<size>/<page>.png, or <out>/<page>.png for a single size (`--out docs --sizes 1400x900` for the README).
`--query` opens each page on a link (the same for every page; a page ignores what it does not take), and `--tag`
adds to the file names: <page>-<tag>.png. The class board is shot with a class of `--board-entries` models, seeded
into a board database of its own before the server starts, and scrolled to the board:

    python scripts/screenshot.py class_board --out docs --sizes 1400x1100
"""
import argparse
import copy
import re
import sys
import tempfile
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server  # noqa: E402
from ui.navigation import HOME, PAGES  # noqa: E402
from vae.data import load_dataset  # noqa: E402
from vae.serve.board import submission  # noqa: E402
from vae.serve.board_db import add_entry, create_class, open_database  # noqa: E402
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint  # noqa: E402

CLASS = "lab42"
# A class's models: shipped checkpoints of other decoders and data as they are (each of those has a view of its own;
# the notes' loss and the autoencoder are in the table only), among copies of the ladders' with their weights jittered,
# so that students' runs of one setting land near each other, not on the ladders' points
AS_SHIPPED = ("mse", "notes", "fashion-bce", "bce-binarized", "mse-s02", "ae", "fashion-ae")
JITTERED = ("bce-b025", "bce", "bce-b4", "bce-z4", "bce-b05", "bce-b2", "bce-b8", "bce-b16", "bce-z8", "bce-b01")
NAMES = ("Ada", "Grace", "Alan", "Emmy", "Kurt", "Sofia", "Niels", "Lise", "Srinivasa", "Marie", "Paul", "Rosalind",
         "Chen", "Hedy", "Ibn", "Mary", "Yuki", "Amara", "Ravi", "Olga", "Tomás", "Zoë", "Kwame", "Ines", "Bjørn",
         "Leila", "Hugo", "Mei", "Omar", "Freya", "Diego", "Anya", "Kofi", "Elif", "Noor", "Lars", "Priya", "Jonas")


def board_model(i: int):
    """The i-th model sent to the seeded class: every fourth a shipped checkpoint, the others jittered copies."""
    if i % 4 == 3 and i // 4 < len(AS_SHIPPED):
        return load_checkpoint(CHECKPOINT_DIR / f"{AS_SHIPPED[i // 4]}.safetensors")
    ckpt = copy.deepcopy(load_checkpoint(CHECKPOINT_DIR / f"{JITTERED[i % len(JITTERED)]}.safetensors"))
    noise = torch.Generator().manual_seed(i)
    with torch.no_grad():  # 0.02-0.07 of each tensor's spread: a few nats to about fifteen more distortion
        for p in ckpt.model.parameters():
            p.add_((0.02 + 0.01 * (i % 6)) * p.std() * torch.randn(p.shape, generator=noise))
    return ckpt


def seed_board(path: Path, n: int) -> str:
    """A class of `n` models in a new board database at `path`, sent as students' uploads; returns its code."""
    db = open_database(str(path))
    create_class(db, CLASS)
    data = {}
    for i in range(n):
        ckpt = board_model(i)
        images = data.setdefault(ckpt.train_config.dataset, load_dataset(ckpt.train_config.dataset))
        add_entry(db, CLASS, submission(ckpt, images, NAMES[i % len(NAMES)], f"student{i}", "upload"), 500)
    db.close()
    return CLASS


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
    if name == "class_board":
        query = "&".join(q for q in (query, f"class={CLASS}") if q)
    page.goto(f"{url}/{'' if name == HOME else name}" + (f"?{query}" if query else ""))
    if name == "train":
        training(page)
        page.screenshot(path=str(out), full_page=True)
        return
    page.wait_for_selector(".js-plotly-plot .legend, .js-plotly-plot .main-svg, .vx-root[data-painted], "
                           ".cs-root[data-painted], .lc-root[data-draws]", timeout=60000)  # the last: canvas charts
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    page.wait_for_timeout(2000)  # plotly draws its WebGL layer after the SVG
    if name == "class_board":  # the board, not the paragraph above it
        page.get_by_role("heading", name="The board").evaluate("(h) => h.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
    page.screenshot(path=str(out), full_page=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pages", nargs="*", default=list(PAGES), help=f"any of {', '.join(PAGES)}")
    p.add_argument("--out", default=str(ROOT / "artifacts" / "screens"))
    p.add_argument("--sizes", nargs="+", default=["390x844", "1366x768", "1920x1080"], help="WIDTHxHEIGHT")
    p.add_argument("--query", default="", help="a link's parameters for every page, e.g. checkpoint=fashion-bce")
    p.add_argument("--tag", default="", help="added to each file name: <page>-<tag>.png")
    p.add_argument("--board-entries", type=int, default=36, help="the models on the class board shot")
    args = p.parse_args()
    if set(args.pages) - set(PAGES):  # (argparse's choices would check the default list as one value)
        p.error(f"unknown pages {sorted(set(args.pages) - set(PAGES))}; the pages are {', '.join(PAGES)}")
    scratch = tempfile.TemporaryDirectory(prefix="vae-board-")  # never the board in data/
    board = Path(scratch.name) / "board.sqlite3"
    if "class_board" in args.pages:
        seed_board(board, args.board_entries)
    with scratch, app_server(env={"VAE_BOARD_DB": str(board)}) as url, sync_playwright() as pw:
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
