"""Training in a separate process, for an app: the child runs vae.trainer.train and streams what it yields.

A thread would share the server's interpreter lock with every page being drawn, and a busy server starves
it (measured: a Python-busy thread cut a training thread from ~90 to ~9 steps per second). The child
process trains at full speed, at a lower priority than the pages (NICENESS); a small reader thread in the
parent receives its messages and keeps them for `snapshot()`, which any thread may call. The worker owns its model (a copy, never a shared one). It stops
when asked, when training ends or diverges, or when its owner disappears: `owner` is any object the app
keeps alive as long as the session lives (the worker holds only a weak reference to it). An owner that can
tell more directly may also define `alive()`, which the worker keeps asking while it runs.
"""
import copy
import math
import multiprocessing as mp
import os
import sys
import threading
import time
import types
import weakref

import torch

from vae.collapse import kl_per_dimension
from vae.config import TrainConfig, from_dict, to_dict
from vae.model import VAE, one_hot
from vae.serve.metric_log import MetricLog

# Up to this batch size the child trains on one thread. Measured on 2 cores (samples/s, one thread vs two): batch
# 32: 9.2k vs 7.0k; 128: 20.7k vs 20.5k; 256: 24.0k vs 29.2k; 1024: 30.2k vs 48.5k. Where a second thread buys
# nothing, it is better left to the server and the browsers drawing the live page: an OpenMP team whose second
# thread loses its core to them stalls at every barrier.
ONE_THREAD_MAX_BATCH = 128
# The child trains at a lower priority than the server: on an idle machine it still has a whole core, but when a room
# opens a link at once the kernel serves the pages first (the lecture-hall burst, bench/classroom_ws.py; the
# training's own steps wait those seconds instead of every student's page).
NICENESS = 10
FRAME_DIGITS = 2000  # test digits re-encoded for each latent-map frame: enough to see the clusters
FRAMES_PER_EPOCH = 4


def _context():
    """A fork server that has imported torch once: each training then starts in ~0.1 s, not ~3 s."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["vae.trainer"])
    return ctx


@torch.no_grad()
def _frame(model: VAE, data, step: int, epoch: float) -> dict:
    """The first test images' posterior means in the two dimensions that carry the most KL on them ("dims"; a 2-D
    model's are its own two), so that the map of a larger model shows what its code uses, not two collapsed ones."""
    y = one_hot(data.y_test[:FRAME_DIGITS]) if model.config.conditional else None  # q(z|x, y): with its own class
    mu, logvar = model.eval().encode(data.x_test[:FRAME_DIGITS], y)
    model.train()
    dims = [0, 1]
    if mu.shape[1] > 2 and model.config.variational:
        dims = sorted(torch.topk(kl_per_dimension(mu, logvar), 2).indices.tolist())
    return {"step": step, "epoch": epoch, "mu": mu[:, dims].numpy().astype("float32"), "dims": dims,
            "latent_dim": mu.shape[1]}


def _weights(model: VAE) -> dict:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _child(conn, stop, config: dict, cfg: dict, weights: dict, data_path, limit):
    """Runs in the training process: everything it learns goes back through `conn`."""
    from dataclasses import replace

    from vae.config import VAEConfig
    from vae.data import load_dataset
    from vae.trainer import train
    try:
        os.nice(NICENESS)
        if cfg["batch_size"] <= ONE_THREAD_MAX_BATCH:
            torch.set_num_threads(1)
        data = load_dataset(cfg.get("dataset", "mnist"), data_path)  # None: the shipped copy
        if limit is not None:  # the first (n_train, n_test) images only: small runs for tests and demos
            data = replace(data, x_train=data.x_train[:limit[0]], y_train=data.y_train[:limit[0]],
                           x_test=data.x_test[:limit[1]], y_test=data.y_test[:limit[1]])
        model = VAE(from_dict(VAEConfig, config))
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        cfg = from_dict(TrainConfig, cfg)
        frame_every = max(1, math.ceil(len(data.x_train) / cfg.batch_size) // FRAMES_PER_EPOCH)
        conn.send(("frame", _frame(model, data, 0, 0.0)))
        for m in train(model, data, cfg, stop):
            if m["kind"] == "step" and m["step"] % frame_every == 0:
                conn.send(("frame", _frame(model, data, m["step"], m["epoch"])))
                conn.send(("weights", _weights(model)))
            if m["kind"] not in ("step", "epoch"):
                conn.send(("weights", _weights(model)))
            conn.send((m["kind"], m))
    except Exception as exc:  # report instead of dying silently; the parent shows the reason
        conn.send(("failed", {"kind": "failed", "reason": f"training failed: {exc!r}"}))
    finally:
        conn.close()


class TrainingWorker:
    where = "server"  # where it trains (a BrowserRun says "browser")
    has_weights = True

    def __init__(self, model: VAE, cfg: TrainConfig, owner, data_path=None, limit=None):
        self.model = copy.deepcopy(model).eval()  # the parent's copy, refreshed with the child's weights
        self.cfg = cfg
        self._args = (to_dict(model.config), to_dict(cfg), _weights(model), data_path and str(data_path), limit)
        self._owner = weakref.ref(owner)
        self._ctx = _context()
        self._stop = self._ctx.Event()
        self._lock = threading.Lock()
        self._steps, self._epochs, self._frames = MetricLog(), [], []
        self._end = None
        self._reader = threading.Thread(target=self._read, name="vae-training-reader", daemon=True)

    def start(self):
        receive, send = self._ctx.Pipe(duplex=False)
        self._process = self._ctx.Process(target=_child, args=(send, self._stop, *self._args), daemon=True)
        # multiprocessing makes a new process re-run the parent's __main__ first, and under `streamlit run`
        # that is the page script being run: the child would import Streamlit and run app.py in bare mode
        # before training. An empty __main__ while the child is launched leaves it nothing to re-run; the
        # child needs nothing from __main__ (its target and arguments live in vae and the standard library).
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self._process.start()
        finally:
            sys.modules["__main__"] = main
        send.close()
        self._conn = receive
        self._reader.start()
        return self

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        self._reader.join(timeout)

    @property
    def running(self) -> bool:
        return self._reader.is_alive()

    def snapshot(self) -> dict:
        """Everything received so far: step metrics (a fixed view of the log), copies of the epoch metrics and latent
        frames, and how it ended."""
        with self._lock:
            return {"steps": self._steps.view(), "epochs": list(self._epochs), "frames": list(self._frames),
                    "end": self._end, "running": self._reader.is_alive() and self._end is None}

    def weights(self) -> dict:
        """The latest weights the child sent (every quarter epoch, and when it ends)."""
        with self._lock:
            return {k: v.clone() for k, v in self.model.state_dict().items()}

    def last_step(self) -> int:
        """The newest step it reported."""
        steps = self.snapshot()["steps"]
        return steps[-1]["step"] if steps else 0

    def history(self) -> list[dict]:
        """A row per finished epoch, as a checkpoint stores them."""
        return [{k: e[k] for k in ("epoch", "elapsed", "test_loss", "test_recon", "test_kl")}
                for e in self.snapshot()["epochs"]]

    def _read(self):
        end, owner_gone = None, False
        while end is None:
            if self._conn.poll(0.2):
                try:
                    kind, payload = self._conn.recv()
                except EOFError:
                    break
                end = self._keep(kind, payload)
            elif not self._process.is_alive():
                break
            if not owner_gone and not self._owner_alive():
                owner_gone = True
                self._stop.set()
        self._process.join(10)
        if owner_gone:
            end = {"kind": "stopped", "reason": "the browser session that started it has closed"}
        with self._lock:
            self._end = {**(end or {"kind": "failed", "reason": "the training process ended unexpectedly"}),
                         "finished_at": time.time()}

    def _owner_alive(self) -> bool:
        owner = self._owner()
        return owner is not None and getattr(owner, "alive", lambda: True)()

    def _keep(self, kind: str, payload):
        with self._lock:
            if kind == "step":
                self._steps.append(payload)
            elif kind == "epoch":
                self._epochs.append(payload)
            elif kind == "frame":
                self._frames.append(payload)
            elif kind == "weights":
                self.model.load_state_dict({k: torch.from_numpy(v) for k, v in payload.items()})
            else:
                return payload
        return None
