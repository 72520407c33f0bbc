"""The Class board under attack and faults, at the protocol level, through the hall of tests/board_hall.py (SQLite
and PostgreSQL): hostile submissions and forged actions change nothing; a replica killed with SIGKILL during
submissions loses no committed entry and corrupts nothing."""
import asyncio
import contextlib
import re
import signal
import sqlite3

import torch
from safetensors import safe_open
from safetensors.torch import save as st_save
from websockets import ConnectionClosed

from board_hall import arrive, board_state, close, fresh_code, one_line, run, sha, until_shown
from board_hall import board_url, hall  # noqa: F401 (fixtures)
from conftest import TEACHER_KEY
from scripts.board_client import (BoardTab, SEND, element_id, model_file, send, sent_id, type_into, unlock)
from scripts.protocol_client import TabError
from vae.serve.board import entry_checkpoint, weights_sha256
from vae.serve.board_db import create_class, entries, entry_weights, get_class, set_open
from vae.serve.checkpoint import CHECKPOINT_DIR


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
                silent[f"send {name}"] = await send(hostile, "Mallory", answered=False)
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
                # no form, or its Send disabled: nothing to answer
                silent[f"send with code {code}"] = await send(hostile, "Mallory", answered=False)
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

