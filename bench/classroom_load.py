"""A classroom on one server: students clicking and dragging on the Latent explorer while one more trains.

    python bench/classroom_load.py [--sessions 20 30] [--seconds 120] [--think 1 3] [--stagger 1] [--no-train]

Each level runs on a fresh server (scripts.appserver) with one Debian Chromium; every student is a browser
context of its own, so a Streamlit session of its own. Before the load: the root page is visited, the explorer
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
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.classroom_student import (ROOT_SEL, WAIT_MS, Contexts, Student, read_training,  # noqa: E402
                                     start_training, stop_training, student_session)
from scripts.proc_tree import alive, descendants, end_leftovers, identity, parents, server_pid, usage  # noqa: E402
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_EVERY = 10.0
BASELINE_S = 10.0
N_TRAIN = 60_000  # the Train page trains on all of MNIST's training set, so samples = epoch * 60,000
TARGET_MS = 400


async def prepare(browser, url):
    """Visit the root before any deep link, as scripts.appserver.open_root_first does (and says why) with the
    sync API; this benchmark drives all its pages at once with the async one. Then open the explorer once."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("h1", timeout=90000)
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


def pct(values, q):
    values = [v for v in values if v is not None]
    return round(float(np.percentile(values, q)), 1) if values else None


def rate(a, b):
    """Training samples per second between two readings of the Train page."""
    return round((b["epoch"] - a["epoch"]) * N_TRAIN / (b["t"] - a["t"])) if a and b and b["t"] > a["t"] else None


def summarise(n, students, samples, baseline):
    clicks = [c for s in students for c in s.clicks]
    drags = [d for s in students for d in s.drags]
    errors = sum((s.errors for s in students), Counter())
    errors["exception_boxes"] = sum(s.exceptions for s in students)
    samples = sorted(samples, key=lambda s: s["t"])  # two samplers append, each after reading the page
    first, last = samples[0], samples[-1]
    mid = min(samples, key=lambda s: abs(s["t"] - last["t"] / 2))
    grew = (mid["rss_mb"] - first["rss_mb"], last["rss_mb"] - mid["rss_mb"])
    span = last["t"] - first["t"]
    full = next((s for s in samples if s.get("all_arrived")), None)
    # a click whose rerun never showed (a timeout, also counted as an error) enters as WAIT_MS: a lower bound
    server_ms = [WAIT_MS if c[1] is None else c[1] for c in clicks]
    return {
        "sessions": n, "loaded": sum(s.load_s is not None for s in students),
        "page_load_s": {"p50": pct([s.load_s for s in students], 50), "p95": pct([s.load_s for s in students], 95)},
        "clicks": len(clicks), "drags": len(drags),
        "click_decode_ms": {"p50": pct([c[0] for c in clicks], 50), "p95": pct([c[0] for c in clicks], 95)},
        "click_server_ms": {"p50": pct(server_ms, 50), "p95": pct(server_ms, 95)},
        "server_p95_within_target": (pct(server_ms, 95) or 1e9) <= TARGET_MS,
        "drag_frames_per_s": {"p50": pct([d[0] for d in drags], 50), "p5": pct([d[0] for d in drags], 5)},
        "drag_release_server_ms": {"p50": pct([WAIT_MS if d[1] is None else d[1] for d in drags], 50),
                                   "p95": pct([WAIT_MS if d[1] is None else d[1] for d in drags], 95)},
        "errors": {"total": sum(errors.values()), **errors},
        "error_examples": [e for s in students for e in s.examples][:20],
        "memory_mb": {"start": round(first["rss_mb"]), "end": round(last["rss_mb"]),
                      "first_half_growth": round(grew[0], 1), "second_half_growth": round(grew[1], 1),
                      # levelled off: the second half added under a quarter of the first half's growth, or < 10 MB
                      "levels_off": grew[1] <= max(0.25 * grew[0], 10.0),
                      "start_pss": round(first["pss_mb"]), "end_pss": round(last["pss_mb"])},
        "cpu_cores": {"server": round((last["server_cpu_s"] - first["server_cpu_s"]) / span, 2),
                      "training": round((last["cpu_s"] - last["server_cpu_s"] - first["cpu_s"]
                                         + first["server_cpu_s"]) / span, 2),
                      "browser": round((last["browser_cpu_s"] - first["browser_cpu_s"]) / span, 2)},
        "training_samples_per_s": {"alone": baseline, "under_load": rate(first["train"], last["train"]),
                                   "all_sessions_on": rate(full and full["train"], last["train"]),
                                   "page_figure_at_end": (last["train"] or {}).get("samples_per_s"),
                                   # all 100 epochs done before the load ended: the rates above mean less
                                   "finished_early": bool(last["train"]) and last["train"]["epoch"] >= 100},
        "samples": samples,
    }


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


def table(levels):
    head = (f"{'sessions':>8} {'load s p50/p95':>15} {'(a) decode ms':>14} {'(b) server ms':>14} {'b95<=400':>8} "
            f"{'clicks':>6} {'drag fps':>8} {'errors':>6} {'RSS MB start>end':>17} {'levels off':>10} "
            f"{'train/s alone>load':>19} {'cores srv/train/browser':>23}")
    rows = [head]
    for lv in levels:
        g, m, c, t = lv["page_load_s"], lv["memory_mb"], lv["cpu_cores"], lv["training_samples_per_s"]
        a, b = lv["click_decode_ms"], lv["click_server_ms"]
        rows.append(f"{lv['sessions']:>8} {fmt(g['p50'])+'/'+fmt(g['p95']):>15} {fmt(a['p50'])+'/'+fmt(a['p95']):>14} "
                    f"{fmt(b['p50'])+'/'+fmt(b['p95']):>14} {'yes' if lv['server_p95_within_target'] else 'NO':>8} "
                    f"{lv['clicks']:>6} {fmt(lv['drag_frames_per_s']['p50']):>8} "
                    f"{lv['errors']['total'] + lv['server_log_tracebacks']:>6} "
                    f"{str(m['start'])+'>'+str(m['end']):>17} {'yes' if m['levels_off'] else 'no':>10} "
                    f"{fmt(t['alone'])+'>'+fmt(t['under_load']):>19} "
                    f"{c['server']:>9.2f}/{c['training']:.2f}/{c['browser']:.2f}")
    for lv in levels:
        rows.append(f"{lv['sessions']} sessions, server RSS MB every ~{SAMPLE_EVERY:.0f} s: "
                    + " ".join(f"{s['rss_mb']:.0f}" for s in lv["samples"])
                    + f" (growth first half {lv['memory_mb']['first_half_growth']}, second half "
                      f"{lv['memory_mb']['second_half_growth']})")
        errors = {k: v for k, v in {**lv["errors"], "server_log_tracebacks": lv["server_log_tracebacks"]}.items()
                  if k != "total" and v}
        if errors:
            rows.append(f"{lv['sessions']} sessions, errors: {errors}; e.g. " + " | ".join(lv["error_examples"][:3]))
    return "\n".join(rows)


def fmt(x):
    return "-" if x is None else f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 1 else f"{x:.2f}"


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
