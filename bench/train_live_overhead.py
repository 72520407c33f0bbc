"""Training throughput with the training page open and polling, against the command-line trainer, one run.

    python bench/train_live_overhead.py [--epochs 3] [--repeats 2]

A: `vae.trainer.train` run directly, as `python -m vae.train` runs it. B: the same settings started from the
Train page in Debian's Chromium, with the page open and redrawing its curves twice a second until the run
ends; its samples/s is read from the page. Both use OMP_WAIT_POLICY=PASSIVE, as `./dev app` does.
Prints each measurement and the ratio B / A (target: at least 0.85).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP

import argparse  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402
from vae.config import TrainConfig, VAEConfig  # noqa: E402
from vae.data import load_dataset  # noqa: E402
from vae.trainer import build_model, train  # noqa: E402


def direct(epochs: int) -> float:
    data = load_dataset()
    last = None
    for m in train(build_model(VAEConfig(), 0), data, TrainConfig(epochs=epochs)):
        last = m if m["kind"] in ("step", "epoch") else last
    return last["samples_per_s"]


def in_page(url: str, browser, epochs: int) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{url}/train")
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("text=Training done", timeout=600000)
    text = page.locator("[data-testid='stProgress']").inner_text()
    page.close()
    return float(re.search(r"([\d,]+) samples/s", text).group(1).replace(",", ""))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    a, b = [], []
    with app_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(args.repeats):  # alternate, so drift in machine load hits both alike
            a.append(direct(args.epochs))
            print(f"A, direct trainer:      {a[-1]:8.0f} samples/s", flush=True)
            b.append(in_page(url, browser, args.epochs))
            print(f"B, Train page, polling: {b[-1]:8.0f} samples/s", flush=True)
        browser.close()
    ratio = statistics.median(b) / statistics.median(a)
    print(f"median A {statistics.median(a):.0f}, median B {statistics.median(b):.0f} samples/s; B / A = {ratio:.2f}")


if __name__ == "__main__":
    main()
