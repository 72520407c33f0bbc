"""The background training worker and the server-wide limit on trainings."""
import gc
import os
from dataclasses import replace

import torch

from vae.config import TrainConfig, VAEConfig
from vae.trainer import build_model
from vae.serve.slots import TrainingSlots, eta
from vae.serve.worker import FRAME_DIGITS, NICENESS, TrainingWorker

TINY = TrainConfig(epochs=2, batch_size=100, seed=0)
SMALL = (2000, 500)  # training and test images the child process uses


class Owner:
    pass


def test_worker_trains_in_the_background_and_records_everything():
    owner = Owner()
    model = build_model(VAEConfig(), 0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    worker = TrainingWorker(model, TINY, owner, limit=SMALL).start()
    worker.join(60)
    snap = worker.snapshot()
    assert snap["end"]["kind"] == "done" and not snap["running"]
    assert len(snap["steps"]) == 40 and [e["epoch"] for e in snap["epochs"]] == [1, 2]
    assert snap["epochs"][-1]["test_loss"] < snap["epochs"][0]["test_loss"]
    assert snap["frames"][0]["step"] == 0 and len(snap["frames"]) > 4
    assert snap["frames"][-1]["mu"].shape == (min(FRAME_DIGITS, 500), 2)
    # the caller's model is untouched: the worker trained its own copy
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not all(torch.equal(before[k], v) for k, v in worker.weights().items())


def test_the_training_process_yields_the_cpu_to_the_server():
    owner = Owner()
    worker = TrainingWorker(build_model(VAEConfig(), 0), replace(TINY, epochs=50), owner, limit=SMALL).start()
    while not worker.snapshot()["steps"]:  # training: past the child's start
        worker.join(0.05)
    child = os.getpriority(os.PRIO_PROCESS, worker._process.pid)
    worker.stop()
    worker.join(10)
    assert child == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


def test_stop_ends_the_thread_promptly():
    owner = Owner()
    worker = TrainingWorker(build_model(VAEConfig(), 0), replace(TINY, epochs=50), owner, limit=SMALL).start()
    while not worker.snapshot()["steps"]:
        worker.join(0.05)
    worker.stop()
    worker.join(10)
    snap = worker.snapshot()
    assert not worker.running and snap["end"]["kind"] == "stopped" and len(snap["steps"]) < 50 * 20


def test_divergent_learning_rate_stops_with_a_plain_reason():
    owner = Owner()
    cfg = replace(TINY, lr=10.0, warmup_epochs=0.0)
    worker = TrainingWorker(build_model(VAEConfig(), 0), cfg, owner, limit=SMALL).start()
    worker.join(30)
    end = worker.snapshot()["end"]
    assert end["kind"] == "diverged" and "smaller learning rate" in end["reason"]
    assert all(torch.isfinite(v).all() for v in worker.weights().values())


def test_two_workers_are_isolated():
    owners = Owner(), Owner()
    a = TrainingWorker(build_model(VAEConfig(), 0), TINY, owners[0], limit=SMALL)
    b = TrainingWorker(build_model(VAEConfig(likelihood="mse"), 1), replace(TINY, seed=1), owners[1], limit=SMALL)
    a.start(), b.start()
    a.join(60), b.join(60)
    sa, sb = a.snapshot(), b.snapshot()
    assert a.model is not b.model and sa["steps"] is not sb["steps"]
    assert [m["loss"] for m in sa["steps"]] != [m["loss"] for m in sb["steps"]]
    # each matches a run alone with the same settings: nothing leaked between the two threads
    alone = TrainingWorker(build_model(VAEConfig(), 0), TINY, owners[0], limit=SMALL).start()
    alone.join(60)
    assert [m["loss"] for m in alone.snapshot()["steps"]] == [m["loss"] for m in sa["steps"]]


def test_worker_stops_when_its_session_is_gone():
    owner = Owner()
    worker = TrainingWorker(build_model(VAEConfig(), 0), replace(TINY, epochs=50), owner, limit=SMALL).start()
    while not worker.snapshot()["steps"]:
        worker.join(0.05)
    del owner
    gc.collect()
    worker.join(10)
    assert not worker.running and "session" in worker.snapshot()["end"]["reason"]


def test_slots_limit_concurrent_trainings():
    slots = TrainingSlots(limit=1)
    owner = Owner()
    first = TrainingWorker(build_model(VAEConfig(), 0), replace(TINY, epochs=50), owner, limit=SMALL)
    second = TrainingWorker(build_model(VAEConfig(), 1), TINY, owner, limit=SMALL)
    assert slots.try_start(first)
    while len(first.snapshot()["steps"]) < 3:
        first.join(0.05)
    assert not slots.try_start(second) and not second.running
    assert 0 < slots.free_in() < float("inf")
    first.stop()
    first.join(10)
    assert slots.try_start(second)
    second.join(60)
    assert second.snapshot()["end"]["kind"] == "done"


def test_eta_from_step_metrics():
    assert eta([]) == float("inf")
    assert eta([{"elapsed": 10.0, "step": 100, "total_steps": 400}]) == 30.0


def test_the_child_does_not_rerun_the_parents_main_script(tmp_path, monkeypatch):
    """Under `streamlit run`, __main__ is the page script; a training process must not run it again."""
    import sys
    import types
    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    owner = Owner()
    worker = TrainingWorker(build_model(VAEConfig(), 0), replace(TINY, epochs=1), owner, limit=SMALL).start()
    worker.join(60)
    assert worker.snapshot()["end"]["kind"] == "done"
    assert sys.modules["__main__"] is page  # put back after the launch
    assert not marker.exists()
