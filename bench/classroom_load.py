"""A classroom on one server: students clicking and dragging on the Latent explorer while one more trains.

    python bench/classroom_load.py [--sessions 20 30] [--seconds 120] [--think 1 3] [--stagger 1] [--no-train]

Each level runs on a fresh server (scripts.appserver) with one Debian Chromium; every student is a browser
context of its own, so a Streamlit session of its own. Before the load: the explorer is
opened once (the server encodes the test set then, as when the teacher prepares the lesson), and one more
session starts a training run on the Train page and keeps it open; its throughput is read for 10 s alone.
Then student i opens the explorer at i * stagger seconds and, until --seconds have passed since the first
one, alternates one click and one ~1 s drag at random points, with a seeded random pause before each
action; after each action it waits for the server's answer (or 30 s), as a student looks at the result.

Reported per level: page load -> map painted; per click, the browser's decode and the server's round trip
(defined in bench/classroom_student.py; the target is a round trip p95 <= 400 ms); decoded frames per second
while dragging; errors (console and page errors, failed requests and HTTP errors, round trips that never
came, pages that did not load, Streamlit exception boxes, tracebacks in the server's log); the server's
memory (its process and children, from /proc) every ~10 s and whether it levels off; the CPU the server,
the training and the browser used; the training's samples/s alone and under load. The browser runs on the
same 2 cores as the server here, unlike in a classroom, so the server's numbers are pessimistic.
Writes bench/results/classroom_load.json and each level's server log next to it.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # the server inherits it, as under ./dev app

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from playwright.async_api import async_playwright  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.classroom_report import SAMPLE_EVERY, TARGET_MS, rate, summarise, table  # noqa: E402
from bench.classroom_student import (ROOT_SEL, Contexts, Student, read_training, start_training,  # noqa: E402
                                     stop_training, student_session)
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402
from scripts.proc_tree import alive, descendants, end_leftovers, identity, parents, server_pid, usage  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BASELINE_S = 10.0


async def prepare(browser, url):
    """Open the explorer once, so that its caches are warm before the students arrive."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{url}/explorer")
    await page.wait_for_selector(ROOT_SEL, timeout=120000)
    await context.close()


def sampler(server, t0, students, train_page, seen):
    async def sample():
        ppid_of = parents()
        tree = descendants(server, ppid_of)
        seen.update(identity(pid) for pid in tree)
        browser = [pid for pid in descendants(os.getpid(), ppid_of)[1:] if pid not in tree]
        return {"t": round(time.monotonic() - t0, 1), **usage(tree), "server_cpu_s": usage([server])["cpu_s"],
                "browser_cpu_s": usage(browser)["cpu_s"], "sessions": sum(s.loaded for s in students),
                "train": train_page and await read_training(train_page)}
    return sample


async def measure(browser, url, n, args, server, students, train_page, contexts, seen):
    """The training alone for BASELINE_S, then the students; memory, CPU and training sampled throughout."""
    baseline = None
    if train_page:
        before = await read_training(train_page)
        await asyncio.sleep(BASELINE_S)
        baseline = rate(before, await read_training(train_page))
    t0 = time.monotonic()
    sample = sampler(server, t0, students, train_page, seen)
    samples = [await sample()]

    async def every_so_often():
        while True:
            await asyncio.sleep(SAMPLE_EVERY - (time.monotonic() - t0) % SAMPLE_EVERY)
            samples.append(await sample())

    async def when_all_arrived():  # the start of the full load, for the training's rate under it
        while not all(s.arrived for s in students):
            await asyncio.sleep(0.5)
        samples.append({**await sample(), "all_arrived": True})
    tickers = [asyncio.create_task(every_so_often()), asyncio.create_task(when_all_arrived())]
    sessions = [asyncio.create_task(student_session(
        browser, url, s, random.Random(f"{args.seed}-{n}-{s.index}"), t0 + s.index * args.stagger,
        t0 + args.seconds, args.think, contexts)) for s in students]
    try:
        await asyncio.gather(*sessions)
    finally:
        for task in (*tickers, *sessions):
            task.cancel()
    samples.append(await sample())  # with every session still open
    return summarise(n, students, samples, baseline)


async def close_all(server, browser, contexts, train_page) -> bool:
    """Stop the training from its page (unless the server is gone: Ctrl-C in a terminal reaches it too),
    close every context and the browser; True if the training was stopped from the page."""
    stopped = False
    if train_page:
        task = asyncio.ensure_future(stop_training(train_page))
        while not task.done():
            await asyncio.wait([task], timeout=0.5)
            if not task.done() and not alive(server):
                task.cancel()  # the page can never show "stopped" now; the training ends with the server
                break
        stopped = task.done() and not task.cancelled() and task.exception() is None
    contexts.closing = True
    for context in contexts:
        try:
            await context.close()
        except Exception:  # noqa: BLE001 - the browser may be gone already
            pass
    try:
        await browser.close()
    except Exception:  # noqa: BLE001
        pass
    return stopped


async def run_level(pw, n, args):
    contexts, seen, students = Contexts(), set(), [Student(i) for i in range(n)]
    log = RESULTS / f"classroom_load_{n}.log"
    try:
        with app_server(log) as url:
            server = server_pid(int(url.rsplit(":", 1)[1]))
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, handle_sigint=False)
            train_page = None
            try:
                await prepare(browser, url)
                if args.train:
                    context, train_page = await start_training(browser, url)
                    contexts.append(context)
                    seen.update(identity(pid) for pid in descendants(server, parents()))
                result = await measure(browser, url, n, args, server, students, train_page, contexts, seen)
            finally:
                stopped = await close_all(server, browser, contexts, train_page)
    finally:
        # the server's children (fork server, training) end with it; any still running is ended and reported
        left = end_leftovers(seen)
    tracebacks = sum(line.startswith("Traceback") for line in log.read_text(errors="replace").splitlines())
    return {**result, "server_log_tracebacks": tracebacks, "training_stopped_from_page": stopped,
            "leftover_processes": left}


async def run(args, levels):
    async with async_playwright() as pw:
        for n in args.sessions:
            levels.append(await run_level(pw, n, args))
            print(table(levels[-1:]) + "\n", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, nargs="+", default=[20, 30], help="levels, run one after the other")
    p.add_argument("--seconds", type=float, default=120.0, help="length of the load, from the first student's start")
    p.add_argument("--think", type=float, nargs=2, default=[1.0, 3.0], metavar=("MIN", "MAX"),
                   help="a student's pause before each action, uniform in [MIN, MAX] s")
    p.add_argument("--stagger", type=float, default=1.0, help="seconds between two students' arrivals")
    p.add_argument("--no-train", dest="train", action="store_false", help="no training session during the load")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    levels, interrupted = [], False
    try:
        asyncio.run(run(args, levels))
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: the finished levels are reported", file=sys.stderr)
    out = RESULTS / "classroom_load.json"
    out.write_text(json.dumps({"args": vars(args), "target_server_p95_ms": TARGET_MS, "interrupted": interrupted,
                               "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(), "levels": levels},
                              indent=1))
    if len(levels) > 1:
        print(table(levels))
    print(f"wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    sys.exit(130 if interrupted else 0)


if __name__ == "__main__":
    main()
