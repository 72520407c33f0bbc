"""The Class board's protocol tests' hall: two replicas behind nginx (tests/hall.py, as `./dev hall 2`) sharing
a board on a SQLite file or on a PostgreSQL server of its own (each test module runs on both), and what the tests
share: students arriving and uploading, waiting for the board's own polls to show entries."""
import asyncio
import concurrent.futures
import contextlib
import secrets

import pytest

from deploy.serve import start_replica, stop, wait_healthy
from hall import lecture_hall
from postgres import fresh_database, postgres_server
from scripts.board_client import BoardTab
from vae.serve.board import weights_sha256
from vae.serve.board_db import entries, get_class, open_database
from vae.serve.checkpoint import load_checkpoint

REPLICAS = 2
CLASS = 100  # students sending at once
SPREAD_S = 8.0  # over which their Sends are pressed


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def board_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("board") / "board.sqlite3")
        return
    with postgres_server() as server:
        yield fresh_database(server, "board")


@pytest.fixture(scope="module")
def hall(board_url, tmp_path_factory):
    """{"url", "replicas": {address: process}, "db", "board_url", "restart"}: the replicas share the board at
    `board_url`; restart() stops every replica still running and starts all of them again on their ports."""
    logs = tmp_path_factory.mktemp("restarted")
    env = {"VAE_BOARD_DB": board_url}
    with contextlib.ExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:  # lecture_hall's replicas take the test process's environment
            patch.setenv("VAE_BOARD_DB", board_url)
            h = stack.enter_context(lecture_hall(REPLICAS))
        started = []
        stack.callback(lambda: stop(started))  # after lecture_hall's own stop, the replicas restarted since

        def restart():
            stop(list(h["replicas"].values()))
            for address in h["replicas"]:
                h["replicas"][address] = start_replica(int(address.rsplit(":", 1)[1]), logs, env)
                started.append(h["replicas"][address])
            for address in h["replicas"]:
                wait_healthy(f"http://{address}", started)

        db = open_database(board_url)
        stack.callback(db.close)
        yield {**h, "db": db, "board_url": board_url, "restart": restart}


def run(coroutine, timeout: float = 600):
    """In a thread of its own: a browser test earlier in this worker leaves Playwright's event loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coroutine, timeout)).result()


async def each(items, act, at_once: int = 10):
    """act(item) for every item, `at_once` at a time, as students come in."""
    gate = asyncio.Semaphore(at_once)

    async def one(item):
        async with gate:
            return await act(item)
    return await asyncio.gather(*(one(item) for item in items))


async def arrive(url: str, code: str, files: list[bytes]) -> list[BoardTab]:
    """A student per file: opens the class's link, then opens the file in the sidebar."""
    tabs = [BoardTab(url, code) for _ in files]
    await each(tabs, lambda tab: tab.open(timeout=180))
    await each(range(len(tabs)), lambda i: tabs[i].upload("ckpt_upload", f"student{i}.safetensors", files[i],
                                                          "application/octet-stream", timeout=180))
    return tabs


async def close(tabs):
    for tab in tabs:
        await tab.close()


async def until_shown(tab: BoardTab, ids, timeout: float = 120):
    """Wait for the board's own polls to bring a table holding `ids`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not set(ids) <= set(tab.ids()):
        if loop.time() > deadline:
            raise AssertionError(f"the board never showed {sorted(ids)}; it shows {tab.ids()}")
        await asyncio.sleep(0.2)


def fresh_code() -> str:
    return "t" + secrets.token_hex(4)


def sha(blob: bytes) -> str:
    return weights_sha256(load_checkpoint(blob))


def one_line(message: str | None) -> bool:
    return bool(message) and "\n" not in message and len(message) < 200


def board_state(db, *codes) -> tuple:
    """What a refused action must leave as it was: the classes, and each class's version, openness and entries."""
    with db.transaction() as cur:
        classes = cur.run("SELECT count(*) AS n FROM classes").one()["n"]
    return classes, [(get_class(db, c), [r["id"] for r in entries(db, c)]) for c in codes]
