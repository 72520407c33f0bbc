"""Work ahead (vae.serve.ahead): wishes run in the order a page wants them, only when the CPUs are idle, and a
failing wish does not stop the others. The CPU readings are given, so no test depends on how busy this machine is."""
import threading

import pytest

from vae.serve.ahead import WorkAhead, cpu_times, idle_share


def ticks(idle_share_per_read: float):
    """A cpu_times stand-in: every reading adds 100 ticks, `idle_share_per_read` of them idle."""
    state = {"idle": 0, "total": 0}

    def read():
        state["idle"] += round(100 * idle_share_per_read)
        state["total"] += 100
        return state["idle"], state["total"]
    return read


def test_cpu_times_reads_the_first_line_of_proc_stat(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 5 50 800 40 3 2 0 7 0\ncpu0 50 2 25 400 20 1 1 0 3 0\n")
    # idle + iowait, and user..steal: guest time is already inside user
    assert cpu_times(str(stat)) == (840, 1000)
    assert cpu_times(str(tmp_path / "none")) is None
    assert idle_share((840, 1000), (1020, 1200)) == pytest.approx(0.9)


def held(worker):
    """Give `worker` a wish that holds it until the returned event is set, and wait until it is being held."""
    started, gate = threading.Event(), threading.Event()
    worker.wish([("gate", lambda: (started.set(), gate.wait()))])
    assert started.wait(30)
    return gate


def test_wishes_run_most_wanted_first_and_the_newest_page_first():
    order = []
    worker = WorkAhead(window=0.01, read_times=ticks(1.0))
    gate = held(worker)  # the wishes below queue up meanwhile
    worker.wish([("a1", lambda: order.append("a1")), ("a2", lambda: order.append("a2"))])
    worker.wish([("b1", lambda: order.append("b1")), ("a2", lambda: order.append("a2 again"))])
    assert worker.pending()[:3] == ["b1", "a2", "a1"]
    gate.set()
    assert worker.wait_until_done(30)
    assert order == ["b1", "a2 again", "a1"] and worker.done == 4  # a2 wished twice, computed once


def test_only_the_newest_wishes_are_kept():
    worker = WorkAhead(window=0.01, max_wishes=3, read_times=ticks(1.0))
    gate = held(worker)
    worker.wish([(k, lambda: None) for k in "abcde"])
    assert worker.pending() == ["a", "b", "c", "gate"]
    gate.set()
    assert worker.wait_until_done(30) and worker.done == 4


def test_a_busy_machine_runs_no_wish():
    ran = []
    worker = WorkAhead(window=0.01, read_times=ticks(0.5))  # half idle: below the default 0.8
    worker.wish([("x", lambda: ran.append(1))])
    assert not worker.wait_until_done(0.5) and ran == [] and worker.pending() == ["x"]
    worker.needed_idle = 0.4  # the same readings now count as idle
    assert worker.wait_until_done(30) and ran == [1]


def test_a_machine_without_proc_stat_runs_no_wish(tmp_path):
    worker = WorkAhead(window=0.01, read_times=lambda: cpu_times(str(tmp_path / "none")))
    worker.wish([("x", lambda: None)])
    assert not worker.wait_until_done(0.3) and worker.done == 0


def test_a_failing_wish_is_logged_and_the_next_one_runs(caplog):
    ran = []
    worker = WorkAhead(window=0.01, read_times=ticks(1.0))
    worker.wish([("bad", lambda: 1 / 0), ("good", lambda: ran.append(1))])
    assert worker.wait_until_done(30)
    assert ran == [1] and worker.done == 2
    assert "work ahead failed for 'bad'" in caplog.text and "ZeroDivisionError" in caplog.text
