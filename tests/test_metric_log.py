"""The training's step log against the plain list of dicts it replaces: the same rows, views that stay fixed while
the log grows, merged runs, and a few bytes per value."""
import pickle
import threading
import tracemalloc

import numpy as np
import pytest

from vae.serve.metric_log import MetricLog, Rows


def step_row(i: int) -> dict:
    """A row with the keys vae.trainer.train yields for a step."""
    return {"kind": "step", "step": i + 1, "epoch": (i + 1) / 7, "lr": 3e-3, "loss": 100.0 / (i + 1),
            "recon": 90.0 / (i + 1), "kl": 10.0 + 1 / (i + 1), "grad_norm": 1 / (i + 2), "samples_per_s": 2e4 + i,
            "elapsed": i * 0.05, "total_steps": 5000}


def test_rows_equal_the_dicts_they_were_given_across_growth():
    log, rows = MetricLog(capacity=4), [step_row(i) for i in range(1000)]
    early = None
    for i, row in enumerate(rows):
        log.append(row)
        if i == 2:
            early = log.view()
    view = log.view()
    assert list(view) == rows and view[-1] == rows[-1] and view[10:13] == rows[10:13]
    assert list(early) == rows[:3]  # a view taken before the log grew still shows exactly what it showed
    assert type(view[0]["step"]) is int and type(view[0]["loss"]) is float
    np.testing.assert_array_equal(view.column("loss"), [r["loss"] for r in rows])
    assert list(view.column("kind")) == ["step"] * 1000
    with pytest.raises(IndexError):
        view[1000]


def test_shifted_and_concatenated_runs_follow_on():
    first, second = MetricLog(), MetricLog()
    for i in range(5):
        first.append(step_row(i))
    for i in range(3):
        second.append(step_row(i))
    merged = Rows.concat([first.view(), second.view().shifted("step", 5)])
    assert [r["step"] for r in merged] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert merged[5]["loss"] == step_row(0)["loss"]
    empty = MetricLog().view()  # a run that has not sent its first step yet
    assert len(Rows.concat([empty])) == 0 and len(empty.shifted("step", 5)) == 0 and empty.column("loss").size == 0
    assert [r["step"] for r in Rows.concat([first.view(), empty.shifted("step", 5)])] == [1, 2, 3, 4, 5]


def test_rows_that_do_not_fit_are_refused():
    log = MetricLog()
    log.append(step_row(0))
    with pytest.raises(ValueError, match="other keys"):
        log.append({**step_row(1), "extra": 1.0})
    with pytest.raises(ValueError, match="changed"):
        log.append({**step_row(1), "kind": "epoch"})
    with pytest.raises(ValueError, match="whole number"):
        log.append({**step_row(1), "step": 2.5})


def test_a_reader_never_sees_a_half_written_row():
    log, stop, seen = MetricLog(capacity=2), threading.Event(), []

    def read():
        while not stop.is_set():
            view = log.view()
            if len(view):
                seen.append(view[-1] == step_row(len(view) - 1))

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(20_000):
        log.append(step_row(i))
    stop.set()
    reader.join()
    assert seen and all(seen)


def test_a_long_run_costs_bytes_per_value_not_a_dict_per_step():
    def held(make) -> int:  # bytes still allocated once `make` has built its 100 epochs of MNIST at batch 128
        tracemalloc.start()
        try:
            kept = make()
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
            del kept

    def as_log():
        log = MetricLog()
        for i in range(47_000):
            log.append(step_row(i))
        return log

    # each row comes through the training's pipe, so each dict arrives with keys of its own
    as_columns, as_dicts = held(as_log), held(lambda: [pickle.loads(pickle.dumps(step_row(i))) for i in range(47_000)])
    assert as_columns * 8 < as_dicts  # measured: 5.2 MB against 62 MB
