"""Screenshots of the app's pages in headless Chromium, for the README and for looking at what we built.

    python scripts/screenshot.py [--out docs] [--width 1400 --height 1000]

Starts `streamlit run app.py` on a free port, opens each page in Debian's Chromium via Playwright,
waits for the page's figures to render, and writes one PNG per page.
"""
import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"latent_map": ""}  # file stem -> URL path
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=str(ROOT / "docs"))
    p.add_argument("--width", type=int, default=1400)
    p.add_argument("--height", type=int, default=1000)
    args = p.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--browser.gatherUsageStats", "false"], cwd=ROOT)
    try:
        wait_ready(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            for name, path in PAGES.items():
                page.goto(f"{url}/{path}")
                page.wait_for_selector(".js-plotly-plot .legend", timeout=60000)
                page.wait_for_timeout(1500)  # let plotly finish drawing the WebGL layer
                out = Path(args.out) / f"{name}.png"
                page.screenshot(path=str(out), full_page=True)
                print(out)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
