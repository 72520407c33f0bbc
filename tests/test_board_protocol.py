"""The Class board at the protocol level, through a hall of two replicas behind nginx (tests/hall.py, as
`./dev hall 2`), each test on a SQLite file and on a PostgreSQL server of its own: a hundred students sending at
once each land once; the board's numbers are its stored models scored again; hostile submissions and forged actions
change nothing; the teacher moving between classes changes neither; a replica killed with SIGKILL during
submissions loses no committed entry and corrupts nothing. Students and the teacher are scripts/board_client's
tabs, which send what Streamlit's frontend sends (their boards poll every 2 s, as in a browser)."""
import asyncio
import base64
import collections
import concurrent.futures
import contextlib
import json
import re
import secrets
import signal
import sqlite3

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save
from websockets import ConnectionClosed

from conftest import TEACHER_KEY
from deploy.serve import start_replica, stop, wait_healthy
from hall import lecture_hall
from postgres import fresh_database, postgres_server
from scripts.board_client import (BoardTab, SEND, element_id, model_file, new_class, send, sent_id, type_into,
                                  unlock)
from scripts.protocol_client import TabError
from vae.serve.board import entry_checkpoint, weights_sha256
from vae.serve.board_db import create_class, entries, entry_weights, get_class, open_database, set_open
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_targets, evaluate

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


def test_a_hundred_students_sending_at_once_each_land_once(hall, mnist):
    """The teacher starts the class on the page (key, Unlock, "Start a new class"); 100 students, spread over both
    replicas, each upload their own model and press Send within SPREAD_S seconds."""
    files = [model_file(seed, mnist.sha256) for seed in range(CLASS)]
    shas = [sha(f) for f in files]
    names = [f"Student {i:03d}" for i in range(CLASS)]

    async def scenario():
        teacher = BoardTab(hall["url"])
        await teacher.open()
        await unlock(teacher, TEACHER_KEY)
        code = await new_class(teacher)
        students = await arrive(hall["url"], code, files)
        try:
            async def submit(i):
                await asyncio.sleep(i * SPREAD_S / CLASS)
                return await send(students[i], names[i])
            said = await asyncio.gather(*(submit(i) for i in range(CLASS)))
            return code, said, [t.replicas for t in students]
        finally:
            await close([teacher, *students])
    code, said, replicas = run(scenario())

    ids = [sent_id(s) for s in said]
    assert None not in ids, [s for s in said if sent_id(s) is None][:5]
    assert len(set(ids)) == CLASS
    rows = {r["id"]: r for r in entries(hall["db"], code)}
    assert len(rows) == CLASS == get_class(hall["db"], code)["entries"]
    assert sorted(r["name"] for r in rows.values()) == sorted(names)
    assert collections.Counter(r["weights_sha256"] for r in rows.values()) == collections.Counter(shas)
    assert all(rows[i]["name"] == name and rows[i]["weights_sha256"] == s for i, name, s in zip(ids, names, shas))
    assert all(len(r) == 1 for r in replicas)  # each student stayed on one replica
    assert len(set.union(*replicas)) == REPLICAS  # and the class was spread over both


def spec_points(spec: str, code: str) -> dict[int, tuple[float, float]]:
    """The class's points on a plotly chart's JSON: entry id -> (x, y). Plotly may write arrays as typed bytes."""
    def values(v):
        if isinstance(v, dict) and "bdata" in v:
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
        return v
    found = {}
    for trace in json.loads(spec)["data"]:
        for name, x, y in zip(values(trace.get("customdata") or []), values(trace["x"]), values(trace["y"])):
            if str(name).startswith(f"class:{code}:"):
                found[int(name.rsplit(":", 1)[1])] = (x, y)
    return found


def test_the_boards_numbers_are_its_stored_models_scored_again(hall, mnist):
    """Rate, distortion and −ELBO as the database keeps them equal vae.trainer.evaluate on the stored weights (the
    10,000 test images of eval_targets); the table shows them to two decimals and the chart at their values; for the
    shipped bce, they are the test metrics stored in its file."""
    code = fresh_code()
    create_class(hall["db"], code)
    bce = (CHECKPOINT_DIR / "bce.safetensors").read_bytes()

    async def scenario():
        tabs = await arrive(hall["url"], code, [bce, model_file(1000, mnist.sha256)])
        try:
            ids = [sent_id(await send(tab, name)) for tab, name in zip(tabs, ("Shipped bce", "Fresh init"))]
            await until_shown(tabs[0], ids)
            return ids, tabs[0].table, tabs[0].charts["board_chart"]
        finally:
            await close(tabs)
    (bce_id, _), table, chart = run(scenario())

    rows = {r["id"]: r for r in entries(hall["db"], code)}
    assert len(rows) == 2 and len(table) == 2
    for row in rows.values():
        ckpt = entry_checkpoint(entry_weights(hall["db"], code, row["id"]))
        terms = evaluate(ckpt.model, eval_targets(mnist, ckpt.train_config), ckpt.train_config.eval_batch_size)
        assert row["rate"] == pytest.approx(terms["kl"], rel=1e-6)
        assert row["distortion"] == pytest.approx(terms["recon"], rel=1e-6)
        assert row["neg_elbo"] == pytest.approx(terms["kl"] + terms["recon"], rel=1e-6)
    for shown in table:
        row = rows[shown["#"]]
        assert (shown["rate"], shown["distortion"], shown["−ELBO"]) == \
            (round(row["rate"], 2), round(row["distortion"], 2), round(row["neg_elbo"], 2))
    points = spec_points(chart, code)
    assert points.keys() == rows.keys()
    for i, (x, y) in points.items():
        assert (x, y) == pytest.approx((rows[i]["rate"], rows[i]["distortion"]), rel=1e-9)
    metrics = load_checkpoint(bce).metrics
    assert rows[bce_id]["rate"] == pytest.approx(metrics["test_kl"], abs=1e-3)
    assert rows[bce_id]["distortion"] == pytest.approx(metrics["test_recon"], abs=1e-3)


def with_weights(mutate) -> bytes:
    """bce's file with its tensors changed by mutate(tensors)."""
    with safe_open(CHECKPOINT_DIR / "bce.safetensors", "pt") as f:
        metadata, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    mutate(tensors)
    return st_save(tensors, metadata=metadata)


HOSTILE_FILES = {
    "wrong-size": lambda t: t.update({"decoder.6.bias": torch.zeros(100)}),
    "nan": lambda t: t["encoder.0.weight"].__setitem__((0, 0), float("nan")),
}
HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "**bold**", "[link](http://x)", "a\u202eb", "   "]


def board_state(db, *codes) -> tuple:
    """What a refused action must leave as it was: the classes, and each class's version, openness and entries."""
    with db.transaction() as cur:
        classes = cur.run("SELECT count(*) AS n FROM classes").one()["n"]
    return classes, [(get_class(db, c), [r["id"] for r in entries(db, c)]) for c in codes]


def test_hostile_submissions_and_forged_actions_are_refused_and_change_nothing(hall, mnist):
    """One student ("other") has a model on the board of class A; class B is closed. Another student tries files the
    board must not take, names it must not show, the teacher's buttons and the other's Withdraw (under the ids the
    page would give them, computed as any client can), a closed class and codes of no class: each is refused with
    one line, or does nothing and says nothing; the classes, their versions and their entries stay as they were."""
    db = hall["db"]
    a, b = fresh_code(), fresh_code()
    for code in (a, b):
        create_class(db, code)
    set_open(db, b, False)

    async def scenario():
        other, long = await arrive(hall["url"], a, [model_file(3000, mnist.sha256), model_file(3001, mnist.sha256)])
        teacher, hostile = BoardTab(hall["url"], a), BoardTab(hall["url"], a)
        try:
            mine = sent_id(await send(other, "Other"))
            # A name longer than the field's 30 characters (the frontend types no more) is cut to them by Streamlit
            # before the page reads it: nothing longer reaches the board.
            cut = sent_id(await send(long, "y" * 5000))
            await teacher.open()
            await unlock(teacher, TEACHER_KEY)
            await until_shown(teacher, [mine, cut])
            real = {key: teacher.widget_id(key) for key in
                    ("board_new_class", "board_remove", "board_clear", f"board_open_{a}_{get_class(db, a)['version']}")}
            real[f"board_withdraw_{mine}"] = other.widget_id(f"board_withdraw_{mine}")  # drawn with the reply to Send
            before, changed = board_state(db, a, b), []
            said, silent = {}, {}  # what the page said of each attempt; what it said of those it must ignore

            def check(step):
                if board_state(db, a, b) != before:
                    changed.append(step)

            await hostile.open()
            for name, mutate in HOSTILE_FILES.items():  # refused at upload: nothing to send
                seen = len(hostile.texts)
                await hostile.upload("ckpt_upload", f"{name}.safetensors", with_weights(mutate),
                                     "application/octet-stream")
                said[f"upload {name}"] = next((t for t in hostile.texts[seen:] if "was refused" in t), None)
                assert hostile.disabled[hostile.widget_id(SEND)], name
                type_into(hostile, "board_model", f"uploaded: {name}")  # chosen anyway, and Send pressed anyway
                silent[f"send {name}"] = await send(hostile, "Mallory")
                check(name)
            del hostile.widgets[hostile.widget_id("board_model")]
            await hostile.upload("ckpt_upload", "fine.safetensors", model_file(3002, mnist.sha256),
                                 "application/octet-stream")
            for name in HOSTILE_NAMES:
                said[f"name {name}"] = await send(hostile, name)
                check(name)

            forged = {key: element_id(hostile, "toggle" if key.startswith("board_open") else "button", key)
                      for key in real}
            hostile.labels.update(dict.fromkeys(forged.values(), ""))  # known to the tab, so that it can press them
            hostile.labels[element_id(hostile, "checkbox", "board_clear_sure")] = ""
            for attempt in ("no key", "a wrong key"):
                if attempt == "a wrong key":
                    seen = len(hostile.texts)
                    await unlock(hostile, TEACHER_KEY + "x")
                    said["wrong key"] = next((t for t in hostile.texts[seen:] if "teacher key" in t), None)
                await hostile.set_value("board_clear_sure", "forged", bool_value=True)
                for key in forged:
                    seen = len(hostile.texts)
                    if key.startswith("board_open"):
                        await hostile.set_value(key, "forged", bool_value=False)
                    else:
                        await hostile.click(key, "forged")
                    silent[f"{key} with {attempt}"] = next(
                        (t for t in hostile.texts[seen:] if re.search("removed|Cleared|withdrawn|Students open", t)),
                        None)
                    check(f"{key} with {attempt}")

            for code, expect in (("zzzz2345", "There is no class with this code"),
                                 ("<b>a</b>", "a class code is 4 to 12 letters"),
                                 (b, "The teacher has closed submissions")):
                seen = len(hostile.texts)
                await hostile.set_value("board_class", "code", string_value=code)
                said[f"code {code}"] = next((t for t in hostile.texts[seen:] if expect in t), None)
                silent[f"send with code {code}"] = await send(hostile, "Mallory")  # no form, or its Send disabled
                check(f"code {code}")
            return real, forged, said, silent, changed, cut
        finally:
            await close([other, long, teacher, hostile])
    real, forged, said, silent, changed, cut = run(scenario())

    assert forged == real  # the ids a client computes are the page's own
    assert changed == []
    assert silent == dict.fromkeys(silent)  # a button not drawn, or drawn disabled: pressed anyway, nothing happens
    for what, message in said.items():
        assert one_line(message), (what, message)
    assert "decoder.6.bias" in said["upload wrong-size"] and "NaN" in said["upload nan"]
    assert said["name <img src=x onerror=alert(1)>"] == said["name **bold**"] == \
        "Not sent: use letters, digits, spaces and . - _ ' only in the name."
    assert all(said[f"name {name}"].startswith("Not sent: ") for name in HOSTILE_NAMES)
    assert said["wrong key"] == "That is not this server's teacher key."
    assert {r["id"]: r["name"] for r in entries(db, a)}[cut] == "y" * 30


def test_the_teacher_moving_between_classes_changes_neither_and_closes_one_with_the_toggle(hall):
    """Class A is open and class B closed, both at version 2. The teacher's tab, unlocked on A, is moved to B by
    typing its code, then back: the Submissions toggle of one class must not hand its value to the other's (both
    were drawn at the same version). Then the teacher closes A with A's toggle."""
    a, b = fresh_code(), fresh_code()
    db = hall["db"]
    for code, is_open in ((a, True), (b, False)):
        create_class(db, code)
        set_open(db, code, is_open)
    before = board_state(db, a, b)

    async def scenario():
        teacher = BoardTab(hall["url"], a)
        try:
            await teacher.open()
            await unlock(teacher, TEACHER_KEY)
            for code in (b, a):
                await teacher.set_value("board_class", "move", string_value=code)
            moved = board_state(db, a, b)
            await teacher.set_value(f"board_open_{a}_2", "close", bool_value=False)
            return moved, teacher.headings[-3:]
        finally:
            await teacher.close()
    moved, headings = run(scenario())
    assert moved == before
    assert get_class(db, a)["open"] is False and get_class(db, a)["version"] == 3
    assert "The board · 0 models · submissions closed" in headings


def test_a_replica_killed_during_submissions_loses_no_committed_entry(hall, mnist):
    """30 students press Send 0.1 s apart; as soon as a student of one replica has been told "On the board as #N",
    that replica is killed with SIGKILL. Every entry a student was told of is in the database with the weights that
    student sent, every row reads back whole, the survivor's students were all taken, and the board reads the same
    from the replica that lived, from a new tab, and after every replica is restarted."""
    n = 30
    files = [model_file(2000 + i, mnist.sha256) for i in range(n)]
    shas = [sha(f) for f in files]
    names = [f"Kill {i:02d}" for i in range(n)]
    code = fresh_code()
    create_class(hall["db"], code)

    async def scenario():
        watcher = BoardTab(hall["url"], code)
        await watcher.open()
        students = await arrive(hall["url"], code, files)
        where = [next(iter(t.replicas)) for t in students]
        watching = next(iter(watcher.replicas))
        victim = next(a for a in hall["replicas"] if a != watching)
        first_taken = asyncio.Event()

        async def submit(i):
            await asyncio.sleep(0.1 * i)
            try:
                said = await send(students[i], names[i], timeout=60)
            except (TabError, ConnectionClosed) as exc:  # its replica was killed
                return f"lost: {exc!r}"
            if where[i] == victim and sent_id(said):
                first_taken.set()
            return said

        async def kill():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(first_taken.wait(), 30)
            hall["replicas"][victim].send_signal(signal.SIGKILL)
        try:
            said, _ = await asyncio.gather(asyncio.gather(*(submit(i) for i in range(n))), kill())
            hall["replicas"][victim].wait(10)
            ids = [r["id"] for r in entries(hall["db"], code)]
            await until_shown(watcher, ids)
            late = BoardTab(hall["url"], code)
            await late.open()
            await late.close()
            return said, where, victim, watcher.ids(), late.table
        finally:
            await close([watcher, *students])
    said, where, victim, watched, after_kill = run(scenario())

    db = hall["db"]
    rows = {r["id"]: r for r in entries(db, code)}
    of_sha = dict(zip(shas, names))
    for row in rows.values():  # every row whole: it loads, and it is one student's model under that student's name
        stored = weights_sha256(entry_checkpoint(entry_weights(db, code, row["id"])))
        assert stored == row["weights_sha256"] and of_sha.get(stored) == row["name"]
    assert len({r["weights_sha256"] for r in rows.values()}) == len(rows)
    told = {sent_id(s): i for i, s in enumerate(said) if sent_id(s)}
    assert any(where[i] == victim for i in told.values())  # the killed replica had taken some
    assert any(s.startswith("lost") for s in said)  # and was killed while its students were sending
    for entry_id, i in told.items():
        assert rows[entry_id]["name"] == names[i] and rows[entry_id]["weights_sha256"] == shas[i]
    assert all(sent_id(s) for s, w in zip(said, where) if w != victim), said
    if hall["db"].engine == "sqlite":
        with contextlib.closing(sqlite3.connect(f"file:{hall['board_url']}?mode=ro", uri=True)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert sorted(watched) == sorted(rows) and sorted(r["#"] for r in after_kill) == sorted(rows)

    hall["restart"]()

    async def reopen():
        tab = BoardTab(hall["url"], code)
        try:
            await tab.open()
            return tab.table
        finally:
            await tab.close()
    assert run(reopen()) == after_kill
