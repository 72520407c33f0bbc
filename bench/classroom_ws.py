"""A lecture hall on one server, without browsers: each student a websocket speaking Streamlit's own protocol
(scripts/protocol_client.py; bench/ws_fidelity.py shows it makes the server do what Chromium makes it do).

    python bench/classroom_ws.py [--students 30 100] [--rate 2 | --within 5] [--seconds 120] [--think 1.5 4.5]
                                 [--mix explorer | --pages lesson explorer elbo_lab latent_size class_board]
                                 [--train page|cli|none] [--url URL --pids PID ...]

Each level runs on a fresh server (scripts.appserver; or on --url, e.g. nginx in front of replicas, whose
processes --pids names for the /proc readings). The explorer is opened once before the students come (the
teacher preparing the lesson). With --train page (the default) one more tab starts a training on the Train page
and watches it, its timed reruns measured as "poll"; --train cli runs `python -m vae.train` beside the server
instead, as a training started from a terminal (torch then uses every core). Students arrive --rate per second,
each on a page of --mix (in turn), load it, then until --seconds after the first arrival repeat: a pause uniform
in --think, then the page's action (bench/ws_students.py), waiting for its answer as a student looks at it.
--within S: the students all arrive within S seconds (the room told to open the link: 100 within 5 s). --pages: one
level per page, the whole class on that page (the pages a class opens by link; the Latent size page and the Class
board have no action: their students read them).

Before each level, the level's pages are loaded --cost-loads times one after another on the warm server: what one
page load costs the server, in CPU (the --pids processes, trainings left out) and in bytes, over the websocket and
over HTTP beside it (scripts/protocol_files.py: the page, the relay's code, its images). The level's table then
gives beside the round trips the bytes each student's load took, and the servers' CPU from the first arrival until
the last page had loaded, per student (the early students' actions included).

Prints per action the round trip (request sent -> the run's script_finished received) at p50/p95/p99, errors,
and the server's CPU (share of one core: the server process and its children, the app's training included) and
RSS from /proc every 10 s, and the growth of RSS after the first 5 minutes. Writes bench/results/classroom_ws.json.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # the server inherits it, as under ./dev app

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ws_report import cost_table, level_summary, table  # noqa: E402
from bench.ws_students import PAGE, Student, attend, watch_training  # noqa: E402
from scripts.appserver import ROOT, app_server  # noqa: E402
from scripts.proc_tree import descendants, parents, server_pid, usage  # noqa: E402
from scripts.protocol_client import Tab  # noqa: E402
from scripts.protocol_files import count_http, fetch_files  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_EVERY = 10.0


@contextmanager
def cli_training():
    """One long `python -m vae.train` beside the server, writing its checkpoint outside checkpoints/."""
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.Popen([sys.executable, "-m", "vae.train", "--epochs", "1000", "--checkpoint-dir", out,
                                 "--out", str(Path(out) / "classroom.safetensors")], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield proc.pid
        finally:
            proc.terminate()
            proc.wait(30)


def tree(pids):
    ppid_of = parents()
    return sorted({p for pid in pids for p in descendants(pid, ppid_of)})


async def sample_forever(pids, exclude, t0, samples):
    while True:
        use = usage([p for p in tree(pids) if p not in exclude])
        own = usage(pids)["rss_mb"]  # the servers alone, without the trainings they run
        samples.append({"t": round(time.perf_counter() - t0, 1), **use, "own_rss_mb": own})
        await asyncio.sleep(SAMPLE_EVERY)


async def load_cost(url, kind, pids, loads) -> dict:
    """One page's load, `loads` times one after another: the servers' CPU (ms) and the bytes, per load."""
    cpu, ws, files, requests = usage(pids)["cpu_s"], 0, 0, 0
    for _ in range(loads):
        tab = Tab(url, PAGE[kind])
        counted = count_http(tab)
        try:
            ws += (await tab.open()).bytes
            await fetch_files(tab)
        finally:
            await tab.close()
        files, requests = files + counted["bytes"], requests + counted["requests"]
    return {"page": kind, "cpu_ms": round(1000 * (usage(pids)["cpu_s"] - cpu) / loads, 1), "ws_bytes": ws // loads,
            "files_bytes": files // loads, "requests": requests / loads}


async def loads_done(students, pids, t0, out):
    """The servers' CPU from the first arrival until every student's page has loaded (or failed)."""
    cpu = usage(pids)["cpu_s"]
    while any(not s.loads and not s.errors for s in students):
        await asyncio.sleep(0.1)
    out.update(cpu_s=round(usage(pids)["cpu_s"] - cpu, 2), seconds=round(time.perf_counter() - t0, 1))


async def run_level(url, n, args, pids, exclude):
    kinds = [args.mix[i % len(args.mix)] for i in range(n)]
    for kind in sorted(set(kinds)):  # the teacher opens the page first: the caches are warm when the students come
        warm = Tab(url, PAGE[kind])
        await warm.open()
        await warm.close()
    costs = [await load_cost(url, kind, pids, args.cost_loads) for kind in sorted(set(kinds))] if args.cost_loads else []
    load_average = [os.getloadavg()[0]]  # the machine's, beside the figures: others' work inflates round trips
    rate = n / args.within if args.within else args.rate
    students = [Student(i, kinds[i], i / rate) for i in range(n)]
    t0 = time.perf_counter()
    until = t0 + args.seconds
    samples, burst = [], {}
    sampler = asyncio.create_task(sample_forever(pids, exclude, t0, samples))
    loading = asyncio.create_task(loads_done(list(students), pids, t0, burst))  # the class, not the Train tab
    tasks = [attend(url, s, random.Random(f"{args.seed}-{s.index}"), t0, until, args.think, args.reconnect, args.epoch)
             for s in students]
    if args.train == "page":
        watcher = Student(n, "train", 0.0)
        students.append(watcher)
        tasks.append(watch_training(url, watcher, t0, until))
    client0 = os.times()
    await asyncio.gather(*tasks)
    sampler.cancel()
    try:
        await asyncio.wait_for(loading, 1.0)  # its last look, when the last page loaded at the very end
    except asyncio.TimeoutError:
        pass
    client = os.times()  # this process: the students' side, which a real class spreads over its own machines
    args.client_cpu_share = round((client.user + client.system - client0.user - client0.system)
                                  / (time.perf_counter() - t0), 3)
    samples.append({"t": round(time.perf_counter() - t0, 1), **usage([p for p in tree(pids) if p not in exclude]),
                    "own_rss_mb": usage(pids)["rss_mb"]})
    load_average.append(os.getloadavg()[0])
    return {**level_summary(n, args, students, samples), "load_costs": costs, "burst": burst,
            "load_average": load_average}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, nargs="+", default=[30, 100], help="levels, one after the other")
    p.add_argument("--rate", type=float, default=2.0, help="students arriving per second")
    p.add_argument("--within", type=float, help="students all arriving within this many seconds (instead of --rate)")
    p.add_argument("--seconds", type=float, default=120.0, help="length of a level, from the first arrival")
    p.add_argument("--think", type=float, nargs=2, default=[1.5, 4.5], metavar=("MIN", "MAX"))
    p.add_argument("--mix", nargs="+", default=["explorer"], choices=[k for k in PAGE if k != "train"],
                   help="the students' pages, given in turn (browser: training in their browsers, on the explorer)")
    p.add_argument("--pages", nargs="+", choices=[k for k in PAGE if k not in ("train", "browser")],
                   help="one level per page, the whole class on it (instead of --mix)")
    p.add_argument("--cost-loads", type=int, default=5, help="loads one after another before a level, to cost one")
    p.add_argument("--epoch", type=float, default=12.0, metavar="SECONDS",
                   help="browser students: seconds between their reports (an epoch in a browser)")
    p.add_argument("--train", choices=["page", "cli", "none"], default="page",
                   help="page: a tab trains on the Train page (one thread, as the app's trainings run) and polls it; "
                        "cli: python -m vae.train beside the server (torch's threads on every core); none")
    p.add_argument("--url", help="an app already running (then --pids: its processes, for CPU and RSS)")
    p.add_argument("--pids", type=int, nargs="*", default=[])
    p.add_argument("--reconnect", action="store_true", help="a dropped student reconnects (the proxy's faults)")
    p.add_argument("--app-dir", default=str(ROOT), help="serve the app from this checkout (to measure another commit)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(RESULTS / "classroom_ws.json"))
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    levels = []
    for n, mix in [(n, [page]) for n in args.students for page in args.pages] if args.pages else \
            [(n, args.mix) for n in args.students]:
        args.mix = mix
        with ExitStack() as stack:
            url, pids = args.url, args.pids
            if url is None:
                url = stack.enter_context(app_server(RESULTS / f"classroom_ws_{n}.log", cwd=Path(args.app_dir)))
                pids = [server_pid(url)]
            exclude = {stack.enter_context(cli_training())} if args.train == "cli" else set()
            levels.append(asyncio.run(run_level(url, n, args, pids, exclude)))
        print(table(levels[-1:]), cost_table(levels[-1:]), sep="\n\n", flush=True)
    Path(args.out).write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(), "levels": levels}, indent=1))
    if len(levels) > 1:
        print(table(levels), cost_table(levels), sep="\n\n")
    sys.exit(1 if any(lv["errors"] for lv in levels) else 0)


if __name__ == "__main__":
    main()
