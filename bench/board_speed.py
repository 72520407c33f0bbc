"""How fast the Class board shows a submission, and how fast its page loads, measured without browsers
(scripts/board_client.py on scripts/protocol_client.py).

    python bench/board_speed.py [--db sqlite|postgresql] [--students 100] [--spread 10] [--single 20]
                                [--cold 5] [--warm 30]

To the board: through a hall of two replicas behind nginx (tests/hall.py, as `./dev hall 2`), the teacher's tab
unlocks the page and starts a class, then watches its board as the projected screen does (the board polls every
2 s). A submission's time to the board runs from the student's Send (the request sent) to the moment the
teacher's tab receives a table holding it. At 1 student: --single students one after another, each alone on the
page, pressing Send after a pause uniform in 0-2 s (so that Sends fall anywhere between two polls). At --students:
all on the page (each polling its own board), their files uploaded, pressing Send evenly over --spread seconds.
Also printed: the Send's own round trip (to the run that says "On the board as #N"), and the replicas' CPU.

The page's load at that class's entries (--students of them): from the first GET to the first run's
script_finished, of a student opening the class's link on one server (scripts/appserver.py) started for the
measurement (cold: nothing cached in the process yet; --cold servers, one load each), then --warm loads one after
another on the last one (warm).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # the servers inherit it, as under ./dev app

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the hall and the PostgreSQL server the tests start
from bench.ws_report import pct  # noqa: E402
from hall import lecture_hall  # noqa: E402
from postgres import fresh_database, postgres_server  # noqa: E402
from scripts.appserver import app_server  # noqa: E402
from scripts.board_client import BoardTab, model_file, new_class, send, sent_id, unlock  # noqa: E402
from scripts.proc_tree import usage  # noqa: E402
from vae.data import load_dataset  # noqa: E402

KEY = "bench-teacher-key"


async def student(url: str, code: str, i: int, data_sha256: str) -> BoardTab:
    tab = BoardTab(url, code)
    await tab.open()
    await tab.upload("ckpt_upload", f"student{i}.safetensors", model_file(i, data_sha256), "application/octet-stream")
    return tab


async def timed_send(tab: BoardTab, name: str) -> tuple[float, int, float]:
    """(when Send was pressed, the entry's id, the Send's round trip in ms: to its run's script_finished)."""
    pressed = time.perf_counter()
    said = await send(tab, name)
    entry = sent_id(said)
    if entry is None:
        raise RuntimeError(f"{name} was not taken: {said}")
    return pressed, entry, 1000 * (time.perf_counter() - pressed)


async def until_seen(board: BoardTab, ids, timeout: float = 180):
    deadline = time.perf_counter() + timeout
    while not set(ids) <= board.seen.keys():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the teacher's board never showed {sorted(set(ids) - board.seen.keys())}")
        await asyncio.sleep(0.05)


async def to_the_board(url: str, args, pids, data_sha256: str) -> tuple[dict, str]:
    """{level: {"board": [ms], "send": [ms], "teacher": [ms], "cpu": cores}}, and the code of the class the many sent
    to ("teacher": the teacher's tab's own runs meanwhile, its board's polls and the redraws they ask for)."""
    teacher = BoardTab(url)
    await teacher.open()
    await unlock(teacher, KEY)
    results, rng = {}, random.Random(0)
    try:
        single = await new_class(teacher)  # the teacher's tab now watches it
        lag, trip = [], []
        for i in range(args.single):
            tab = await student(url, single, 10_000 + i, data_sha256)
            await asyncio.sleep(rng.uniform(0, 2))
            pressed, entry, ms = await timed_send(tab, f"Alone {i}")
            await until_seen(teacher, [entry])
            lag.append(1000 * (teacher.seen[entry] - pressed))
            trip.append(ms)
            await tab.close()
        results[1] = {"board": lag, "send": trip}

        many = await new_class(teacher)
        gate = asyncio.Semaphore(10)

        async def arrive(i):
            async with gate:
                return await student(url, many, i, data_sha256)
        tabs = await asyncio.gather(*(arrive(i) for i in range(args.students)))

        async def press(i):
            await asyncio.sleep(i * args.spread / args.students)
            return await timed_send(tabs[i], f"Student {i}")
        cpu0, t0 = usage(pids)["cpu_s"], time.perf_counter()
        sent = await asyncio.gather(*(press(i) for i in range(args.students)))
        await until_seen(teacher, [entry for _, entry, _ in sent])
        cpu = (usage(pids)["cpu_s"] - cpu0) / (time.perf_counter() - t0)
        results[args.students] = {"board": [1000 * (teacher.seen[e] - p) for p, e, _ in sent],
                                  "send": [ms for _, _, ms in sent], "cpu": cpu,
                                  "teacher": [r.ms for r in teacher.runs if r.started >= t0]}
        for tab in tabs:
            await tab.close()
        return results, many
    finally:
        await teacher.close()


async def load_once(url: str, code: str) -> tuple[float, int]:
    tab = BoardTab(url, code)
    try:
        run = await tab.open()
        if len(tab.table or []) == 0:
            raise RuntimeError("the board was drawn without its entries")
        return run.ms, len(tab.table)
    finally:
        await tab.close()


def loads(code: str, args, env: dict) -> dict:
    cold, warm = [], []
    for i in range(args.cold):
        with app_server(env=env) as url:
            ms, shown = asyncio.run(load_once(url, code))
            cold.append(ms)
            if i == args.cold - 1:
                warm = [asyncio.run(load_once(url, code))[0] for _ in range(args.warm)]
    return {"cold": cold, "warm": warm, "entries": shown}


def line(what: str, values: list[float]) -> str:
    return f"{what:64s} {len(values):5d} {pct(values, 50):7.0f} {pct(values, 95):7.0f} {max(values):7.0f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--students", type=int, default=100)
    p.add_argument("--spread", type=float, default=10.0, help="seconds over which the students press Send")
    p.add_argument("--single", type=int, default=20, help="students sending alone, one after another")
    p.add_argument("--cold", type=int, default=5, help="servers started to measure a cold load")
    p.add_argument("--warm", type=int, default=30, help="loads on a warm server")
    args = p.parse_args()
    data_sha256 = load_dataset().sha256
    with contextlib.ExitStack() as stack:
        if args.db == "postgresql":
            url = fresh_database(stack.enter_context(postgres_server()), "board")
        else:
            url = str(Path(stack.enter_context(tempfile.TemporaryDirectory())) / "board.sqlite3")
        env = {"VAE_BOARD_DB": url, "VAE_TEACHER_KEY": KEY}
        os.environ.update(env)  # the hall's replicas take this process's environment
        with lecture_hall(2) as hall:
            pids = [proc.pid for proc in hall["replicas"].values()]
            sent, code = asyncio.run(to_the_board(hall["url"], args, pids, data_sha256))
        loaded = loads(code, args, env)

    print(f"\nClass board, {args.db}: a hall of 2 replicas behind nginx; times in ms")
    print(f"{'':64s} {'n':>5s} {'p50':>7s} {'p95':>7s} {'max':>7s}")
    for level, r in sent.items():
        who = "1 student sending" if level == 1 else f"{level} sending within {args.spread:g} s"
        print(line(f"Send -> on the teacher's board, {who}", r["board"]))
        print(line(f"Send -> 'On the board as #N', {who}", r["send"]))
    print(line(f"the teacher's board's runs, {args.students} sending", sent[args.students]["teacher"]))
    print(line(f"page load, {loaded['entries']} entries, cold (a new server)", loaded["cold"]))
    print(line(f"page load, {loaded['entries']} entries, warm", loaded["warm"]))
    print(f"replicas' CPU while {args.students} students sent and watched: "
          f"{sent[args.students]['cpu']:.2f} cores")


if __name__ == "__main__":
    main()
