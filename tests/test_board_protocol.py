"""The Class board at the protocol level, through a hall of two replicas behind nginx (tests/board_hall.py), on a
SQLite file and on a PostgreSQL server of its own: a hundred students sending at once each land once; the board's
numbers are its stored models scored again; the teacher moving between classes changes neither. Students and the
teacher are scripts/board_client's tabs, which send what Streamlit's frontend sends."""
import asyncio
import base64
import collections
import json

import numpy as np
import pytest

from board_hall import CLASS, REPLICAS, SPREAD_S, arrive, board_state, close, fresh_code, run, sha, until_shown
from board_hall import board_url, hall  # noqa: F401 (fixtures)
from conftest import TEACHER_KEY
from scripts.board_client import (BoardTab, model_file, new_class, send, sent_id, unlock)
from vae.serve.board import entry_checkpoint
from vae.serve.board_db import create_class, entries, entry_weights, get_class, set_open
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_targets, evaluate


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

