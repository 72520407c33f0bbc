"""Is the protocol client faithful? The same actions through Debian's Chromium and through scripts/protocol_client.py,
on one server, compared by the server's work each causes: messages and bytes it sends, per script run, and the
files the page fetches over HTTP beside its websocket as it loads (requests and bytes; Streamlit's own bundle left out).

    python bench/ws_fidelity.py [--only explorer lesson ...] [--url URL] [--show]

The actions are those of bench/classroom_ws.py: the explorer's page load and click, the lesson's page load and
Next, the ELBO lab's page load and new digit, the Latent size page's and the Class board's loads, and the Train
page's start and polls (each of its live fragments' first timed rerun once the training has run a few seconds). Before each pair a throwaway tab does the same, so
both measured tabs find the server's caches warm; the Train pair runs side by side, two trainings at once, so
that both have trained as far when their polls are compared. Chromium's runs are read from its websocket
frames (bench/ws_actions.BrowserRuns). Prints a table and exits non-zero if any pair differs by more than 5%.
With --show, prints each BackMsg Chromium sent, to compare with the client's.
"""
import argparse
import asyncio
import sys
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ws_actions import ACTIONS, FILES, browser_action, client_action  # noqa: E402
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

TOLERANCE = 0.05


def compare(name, browser_runs, client_runs):
    rows = []
    for (label, b), (_, c) in zip(browser_runs, client_runs):
        for what in ("messages", "bytes"):
            diff = abs(b[what] - c[what]) / max(b[what], 1)
            rows.append((f"{name}: {label}", "requests" if label == FILES and what == "messages" else what,
                         b[what], c[what], diff))
    return rows


async def measure(url, show=False, only=None):
    rows = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in only or ACTIONS:
                await client_action(url, name)  # warm the server's caches for this action
                if name == "train":  # side by side: a poll's bytes grow as its training goes on
                    b, c = await asyncio.gather(browser_action(browser, url, name, show), client_action(url, name))
                else:
                    b = await browser_action(browser, url, name, show)
                    c = await client_action(url, name)
                rows += compare(name, b, c)
                print(table(rows[-2 * len(b):]), flush=True)
        finally:
            await browser.close()
    return rows


def table(rows) -> str:
    lines = ["| action | what | Chromium | client | difference |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {w} | {b:,} | {c:,} | {100 * d:.1f}% |" for a, w, b, c, d in rows]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--show", action="store_true", help="print every BackMsg Chromium sends")
    p.add_argument("--only", nargs="+", choices=list(ACTIONS), help="these actions only")
    p.add_argument("--url", help="a server already running (the train pair needs VAE_MAX_TRAININGS=2 there)")
    args = p.parse_args()
    log = Path(__file__).resolve().parent / "results" / "ws_fidelity.log"
    if args.url:
        rows = asyncio.run(measure(args.url, args.show, args.only))
    else:
        with app_server(log, env={"VAE_MAX_TRAININGS": "2"}) as url:  # the train pair trains side by side
            rows = asyncio.run(measure(url, args.show, args.only))
    print(table(rows))
    worst = max(d for *_, d in rows)
    print(f"largest difference {100 * worst:.1f}% (tolerance {100 * TOLERANCE:.0f}%)")
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
