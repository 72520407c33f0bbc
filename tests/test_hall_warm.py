"""`deploy/serve.py` opens every page on every replica before nginx starts (deploy/warm.py): each replica's caches
are filled before its first student, and a student's first visit of any page fills no cache the warm-up left empty.

What a replica holds in its caches is read from Streamlit's own /_stcore/metrics (cache_memory_bytes, one line per
cached function that holds something), asked of each replica directly, not through nginx, so not as a student."""
import asyncio
import concurrent.futures
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import streamlit.web.server.starlette.starlette_routes as routes

from deploy.warm import warm
from scripts.board_client import BoardTab, unlock
from scripts.protocol_client import Tab, TabError
from ui.navigation import HOME, PAGES

ROOT = Path(__file__).resolve().parent.parent
REPLICAS = 2
CACHED = re.compile(r'cache_type="st_cache_(?:data|resource)",cache="([^"]+)"')


def free_run_of_ports(n: int) -> int:
    """The first of n consecutive free loopback ports (serve.py numbers its replicas from one port on)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + n >= 65535:
            continue
        socks = []
        try:
            for port in range(first, first + n):
                socks.append(socket.socket())
                socks[-1].bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no run of free ports")


def cached(address: str) -> set[str]:
    """The cached functions holding something on the replica at `address`."""
    with urllib.request.urlopen(f"http://{address}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as r:
        return set(CACHED.findall(r.read().decode()))


@pytest.fixture(scope="module")
def hall():
    """`python deploy/serve.py --replicas 2` as a teacher runs it; yields what it printed until nginx was up."""
    first = free_run_of_ports(REPLICAS + 1)  # the replicas, then nginx
    run_dir = tempfile.mkdtemp(prefix="vae-hall-warm-")
    os.chmod(run_dir, 0o755)  # nginx's unprivileged workers read it
    proc = subprocess.Popen(
        [sys.executable, "deploy/serve.py", "--replicas", str(REPLICAS), "--first-replica-port", str(first),
         "--port", str(first + REPLICAS), "--run-dir", run_dir],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={k: v for k, v in os.environ.items() if k != "VAE_TEACHER_KEY"})  # as a teacher starts it: no key set
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    printed, deadline = [], time.monotonic() + 600
    try:
        while not printed or "behind nginx" not in printed[-1]:
            try:
                printed.append(lines.get(timeout=1).rstrip())
            except queue.Empty:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the hall did not start; it printed: {printed}")
        yield {"printed": printed, "url": f"http://127.0.0.1:{first + REPLICAS}",
               "replicas": [f"127.0.0.1:{first + i}" for i in range(REPLICAS)]}
    finally:
        proc.send_signal(signal.SIGTERM)  # serve.py stops nginx and its replicas
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(run_dir, ignore_errors=True)


def in_thread(function, *args):
    """In a thread of its own: a browser test earlier in this worker leaves Playwright's event loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def test_each_replica_ran_every_page_before_nginx_started(hall):
    *before_nginx, started = hall["printed"]
    assert "behind nginx" in started
    for address in hall["replicas"]:
        line = next((p for p in before_nginx if p.startswith(f"warmed {address} ")), None)
        assert line is not None, before_nginx
        assert re.findall(r"(\w+) [\d.]+ s(?:,|$)", line.split(": ", 1)[1]) == list(PAGES), line
    assert not any(p.startswith("warning") for p in before_nginx), before_nginx


def test_a_students_first_visit_of_any_page_fills_no_cache_the_warm_up_left_empty(hall):
    warmed = {a: cached(a) for a in hall["replicas"]}  # before any student
    assert all(warmed.values()) and len({frozenset(c) for c in warmed.values()}) == 1, warmed  # alike, not empty

    async def students():
        seen = {}
        for key in PAGES:  # two students at once on each page: nginx gives them to the two replicas
            tabs = [Tab(hall["url"], "" if key == HOME else key) for _ in range(REPLICAS)]
            try:
                for tab in tabs:
                    await tab.open()
                seen[key] = {r for tab in tabs for r in tab.replicas}
            finally:
                for tab in tabs:
                    await tab.close()
        return seen
    seen = in_thread(asyncio.run, students())
    assert all(replicas == set(hall["replicas"]) for replicas in seen.values()), seen
    time.sleep(getattr(routes, "_METRICS_EXPENSIVE_STATS_TTL_SECONDS", 5.0) + 0.5)  # the metric's own cache
    for address in hall["replicas"]:
        assert cached(address) <= warmed[address], (address, cached(address) - warmed[address])


def test_a_replica_that_fails_its_warm_up_is_named_in_one_warning_and_the_rest_go_on(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"  # nothing listens there once the socket is closed
    (result,) = in_thread(warm, [closed])
    assert set(result.failed) == set(PAGES) and not result.seconds
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("warning")] == [result.warning()]
    assert result.warning().startswith(f"warning: {closed} ")


def test_the_hall_prints_one_teacher_key_and_it_unlocks_the_class_board_on_every_replica(hall):
    keys = [p.split(": ", 1)[1].split()[0] for p in hall["printed"] if p.strip().startswith("Teacher key")]
    assert len(keys) == 1, hall["printed"]

    async def unlocked(address: str, key: str) -> bool:
        tab = BoardTab(f"http://{address}")
        try:
            await tab.open()
            await unlock(tab, key)
            tab.widget_id("board_new_class")  # drawn for the teacher only
            return True
        except TabError:
            return False
        finally:
            await tab.close()
    for address in hall["replicas"]:
        assert in_thread(asyncio.run, unlocked(address, keys[0])), address
        assert not in_thread(asyncio.run, unlocked(address, keys[0] + "x")), address
