"""The class board's database, on both engines it runs on: a SQLite file, and a PostgreSQL server this module starts
from Debian's package. Schema creation and migration, writers at once (each submission lands exactly once, a bound
holds), what a refused or undone change leaves, and a writer killed with SIGKILL mid-write."""
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from postgres import fresh_database, postgres_server

from vae.serve import board_db as bdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def pg_server():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "board.sqlite3")
    name = "t_" + hashlib.sha256(request.node.name.encode()).hexdigest()[:12]
    return fresh_database(request.getfixturevalue("pg_server"), name)


@pytest.fixture
def db(url):
    handle = bdb.open_database(url)
    bdb.create_class(handle, "room1")
    yield handle
    handle.close()


def entry(k: int, blob: bytes = b"", owner: str = "o") -> dict:
    weights = blob or f"weights {k}".encode()
    return {"name": f"student {k}", "owner": owner, "source": "upload", "weights": weights,
            "weights_sha256": hashlib.sha256(weights).hexdigest(), "settings": {"beta": 1.0, "k": k},
            "neg_elbo": 140.0 + k, "rate": 6.0, "distortion": 134.0 + k}


def at_once(n: int, work) -> list:
    """Run work(k) for k < n on n threads released together; each result, or the exception it raised."""
    results, gate = [None] * n, threading.Barrier(n)

    def run(k):
        gate.wait()
        try:
            results[k] = work(k)
        except Exception as exc:  # noqa: BLE001 - the test reads what each raised
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_the_schema_is_made_once_whoever_opens_first(url):
    opened = at_once(4, lambda k: bdb.open_database(url))
    assert all(isinstance(d, bdb.Database) for d in opened), opened
    with opened[0].transaction() as cur:
        assert cur.run("SELECT count(*) AS n FROM schema_version").one()["n"] == bdb.SCHEMA_VERSION
    assert bdb.schema_version(opened[0]) == bdb.SCHEMA_VERSION
    for d in opened:
        d.close()


def test_a_database_from_a_newer_app_is_refused_with_a_reason(db, url):
    with db.transaction() as cur:
        cur.run("INSERT INTO schema_version (version) VALUES (?)", (bdb.SCHEMA_VERSION + 1,))
    with pytest.raises(RuntimeError, match="newer than this app"):
        bdb.open_database(url)


def test_a_hundred_writers_at_once_each_land_exactly_once(db):
    ids = at_once(100, lambda k: bdb.add_entry(db, "room1", entry(k), max_entries=200))
    assert all(isinstance(i, int) for i in ids), [i for i in ids if not isinstance(i, int)][:3]
    rows = bdb.entries(db, "room1")
    assert sorted(r["id"] for r in rows) == sorted(ids) and len(set(ids)) == 100
    assert sorted(r["settings"]["k"] for r in rows) == list(range(100))
    for r in rows[:5]:
        assert bdb.entry_weights(db, "room1", r["id"]) == f"weights {r['settings']['k']}".encode()
    assert bdb.get_class(db, "room1")["version"] == 1 + 100


def test_the_same_weights_sent_twice_at_once_land_once(db):
    results = at_once(20, lambda k: bdb.add_entry(db, "room1", entry(7), max_entries=200))
    landed = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, bdb.BoardRefused)]
    assert len(landed) == 1 and len(refused) == 19
    assert all(f"as #{landed[0]}" in str(r) for r in refused)


def test_a_full_board_takes_no_more_even_when_many_send_at_once(db):
    results = at_once(30, lambda k: bdb.add_entry(db, "room1", entry(k), max_entries=10))
    assert sum(isinstance(r, int) for r in results) == 10
    assert all("full" in str(r) for r in results if not isinstance(r, int))
    assert len(bdb.entries(db, "room1")) == 10


def test_a_refused_change_leaves_the_class_as_it_was(db):
    bdb.add_entry(db, "room1", entry(1), max_entries=5)
    before = bdb.get_class(db, "room1")
    for attempt in (lambda: bdb.add_entry(db, "room1", entry(1), 5),  # a duplicate
                    lambda: bdb.add_entry(db, "no-such", entry(2), 5)):
        with pytest.raises(bdb.BoardRefused):
            attempt()
    assert not bdb.remove_entry(db, "room1", 999)
    assert bdb.get_class(db, "room1") == before  # not even the version moved: no board redraws for nothing
    bdb.set_open(db, "room1", False)
    with pytest.raises(bdb.BoardRefused, match="closed"):
        bdb.add_entry(db, "room1", entry(3), 5)
    assert bdb.get_class(db, "room1")["entries"] == 1


def test_only_the_owner_withdraws_and_a_class_sees_only_its_own(db):
    bdb.create_class(db, "room2")
    mine = bdb.add_entry(db, "room1", entry(1, owner="alice"), 5)
    other = bdb.add_entry(db, "room2", entry(2, owner="bob"), 5)
    assert not bdb.remove_entry(db, "room1", mine, owner="bob")
    assert not bdb.remove_entry(db, "room1", other, owner="bob")  # bob's entry, but of another class
    assert bdb.entry_weights(db, "room1", other) is None
    assert [r["id"] for r in bdb.entries(db, "room2")] == [other]
    assert bdb.remove_entry(db, "room1", mine, owner="alice")
    assert bdb.entries(db, "room1") == [] and bdb.clear_class(db, "room2") == 1


WRITER = """
import hashlib, sys, time
sys.path.insert(0, {root!r})
from vae.serve import board_db as bdb
db = bdb.open_database({url!r})
k = 0
while True:
    blob = hashlib.sha256(str(k).encode()).digest() * 32768  # 1 MB: the kill lands inside a write
    new = bdb.add_entry(db, "room1", {{"name": f"s{{k}}", "owner": "o", "source": "upload", "weights": blob,
        "weights_sha256": hashlib.sha256(blob).hexdigest(), "settings": {{"k": k}}, "neg_elbo": 1.0, "rate": 1.0,
        "distortion": 1.0}}, max_entries=100000)
    print(new, k, flush=True)
    k += 1
"""


def test_a_writer_killed_mid_write_loses_no_committed_entry_and_corrupts_nothing(db, url):
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(root=ROOT, url=url)], stdout=subprocess.PIPE,
                            text=True)
    seen = []
    for line in proc.stdout:  # kill it once it has committed some: the next write is then under way
        seen.append(tuple(map(int, line.split())))
        if len(seen) == 12:
            break
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    seen += [tuple(map(int, line.split())) for line in proc.stdout.read().splitlines() if line.strip()]
    rows = {r["id"]: r for r in bdb.entries(db, "room1")}
    assert {i for i, _ in seen} <= set(rows)  # every commit it announced is there
    assert len(rows) - len(seen) in (0, 1)  # at most the one it committed before it could say so
    for entry_id, row in rows.items():  # and every row there is whole
        blob = bdb.entry_weights(db, "room1", entry_id)
        assert hashlib.sha256(blob).hexdigest() == row["weights_sha256"]
        assert blob == hashlib.sha256(str(row["settings"]["k"]).encode()).digest() * 32768
    if db.engine == "sqlite":
        with sqlite3.connect(url) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert bdb.add_entry(db, "room1", entry(0), max_entries=100000) > max(rows)  # and it takes writes again
