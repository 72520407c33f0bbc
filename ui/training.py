"""A session's training: its runs (a background worker on the server, or a run in its own browser, which
ui/browser_training.py starts), the server-wide limit on server trainings, and saving the result.

Runs live in st.session_state, so each browser session sees only its own; the slot counter is the only thing shared
between sessions, and it holds no model or metrics. Both kinds of run answer the same questions (model, cfg, running,
weights(), last_step(), history()), so every page shows either as "my training run (live)".
"""
import os
import time
from dataclasses import replace

import streamlit as st
import torch
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.models import checkpoint, images, labelled
from vae.serve.checkpoint import Checkpoint, CheckpointError, checkpoint_bytes, checkpoint_path, save_checkpoint
from vae.config import TrainConfig, VAEConfig
from vae.model import VAE, one_hot
from vae.trainer import build_model
from vae.serve.slots import TrainingSlots
from vae.serve.worker import TrainingWorker

RUNS = "train_runs"  # session_state key: this session's model's runs, oldest first (a server resume adds one)


class SessionToken:
    """Kept in session_state for the session's lifetime; a worker stops once it is collected or not alive().

    Collection alone is not enough. Streamlit keeps a closed tab's session in a store whose entries expire
    after server.disconnectedSessionTTL but are only removed on the store's next write, i.e. when some other
    session disconnects; until then (and a garbage collection after it) a closed tab's training ran on and
    held its slot. So the token also asks the runtime whether its session is still connected.
    """

    def __init__(self):
        ctx = get_script_run_ctx()
        self.session_id = ctx.session_id if ctx else None
        self.ttl = float(st.get_option("server.disconnectedSessionTTL"))
        self._gone_since = None

    def alive(self) -> bool:
        """False once the session has been disconnected for longer than Streamlit waits for it to come back."""
        if self.session_id is None or not runtime.exists():  # AppTest or bare mode: there is no connection to lose
            return True
        if runtime.get_instance().is_active_session(self.session_id):  # documented as safe from any thread
            self._gone_since = None
            return True
        self._gone_since = self._gone_since or time.monotonic()
        return time.monotonic() - self._gone_since <= self.ttl


def max_trainings() -> int:
    """At most this many trainings at once on the server (VAE_MAX_TRAININGS; one run already uses both
    cores of a 2-core machine, so the default is 1)."""
    return max(1, int(os.environ.get("VAE_MAX_TRAININGS", "1")))


@st.cache_resource
def training_slots() -> TrainingSlots:
    return TrainingSlots(max_trainings())


def runs() -> list:
    """TrainingWorkers (a run on the server and its resumes) or one BrowserRun."""
    return st.session_state.setdefault(RUNS, [])


def current():
    return runs()[-1] if runs() else None


def initial_model(config: VAEConfig, cfg: TrainConfig, warm_start: str | None) -> VAE:
    """A fresh model, or a copy of a shipped checkpoint's weights (the cached model itself is never trained)."""
    if warm_start is None:
        return build_model(config, cfg.seed)
    source = checkpoint(warm_start).model
    # the architecture comes from the checkpoint; the objective (likelihood, sigma, beta) from the settings
    model = VAE(replace(config, latent_dim=source.config.latent_dim, encoder_hidden=source.config.encoder_hidden,
                        head_hidden=source.config.head_hidden, decoder_hidden=source.config.decoder_hidden,
                        variational=source.config.variational))
    model.load_state_dict(source.state_dict())
    return model


def start(model: VAE, cfg: TrainConfig, resuming: bool = False) -> bool:
    """Start a worker for this session; False if the server already runs its limit of trainings.

    A new training replaces the session's earlier runs (their curves belong to another model, and each holds
    its metrics and maps); a resumed one is added after them, as the same model's history."""
    owner = st.session_state.setdefault("train_owner", SessionToken())
    worker = TrainingWorker(model, cfg, owner)
    if not training_slots().try_start(worker):
        return False
    if not resuming:
        runs().clear()
    runs().append(worker)
    return True


def resume() -> bool:
    """Continue from the last run's weights for the epochs it had left, with a fresh optimiser."""
    last = current()
    done = len(last.snapshot()["epochs"])
    model = VAE(last.model.config)
    model.load_state_dict(last.weights())
    remaining = max(1, last.cfg.epochs - done)
    return start(model, replace(last.cfg, epochs=remaining, warmup_epochs=0.0), resuming=True)


def save(name: str) -> str:
    """Save the current weights as checkpoints/<name>.safetensors; refuses bad names and existing files."""
    if not name.strip():
        raise CheckpointError("type a name for the checkpoint first.")
    path = checkpoint_path(name.strip())
    if path.exists():
        raise CheckpointError(f"a checkpoint named {path.stem!r} exists already; choose another name.")
    save_checkpoint(path, *_checkpoint_parts(runs(), images(current().cfg.dataset).sha256))
    return path.stem


def checkpoint_file(session_runs: list, data_sha256: str) -> bytes:
    """The newest of a session's runs as a .safetensors file's bytes, as `save` would write it. For a download, made
    when the student clicks, outside the page's script run: what it needs is passed in."""
    return checkpoint_bytes(*_checkpoint_parts(session_runs, data_sha256))


def checkpoint_of_runs(session_runs: list, data_sha256: str) -> Checkpoint:
    """The newest of a session's runs as the checkpoint `save` would write (for the class board)."""
    model, cfg, metrics, history, sha = _checkpoint_parts(session_runs, data_sha256)
    return Checkpoint(model.eval(), cfg, metrics, tuple(history), sha)


def _checkpoint_parts(session_runs: list, data_sha256: str) -> tuple:
    """(model, train config, metrics, history, data checksum) of the newest run, its history after the runs before it
    (a resumed server run's)."""
    run = session_runs[-1]
    model = VAE(run.model.config)
    model.load_state_dict(run.weights())
    history = [row for r in session_runs for row in r.history()]
    last = history[-1] if history else {}
    metrics = {**{k: last[k] for k in ("test_loss", "test_recon", "test_kl") if k in last}, "epochs": len(history)}
    return model, run.cfg, metrics, history, data_sha256


@torch.no_grad()
def live_model() -> VAE | None:
    """An eval-mode copy of this session's model as it is now, for other pages to show while it trains."""
    worker = current()
    if worker is None:
        return None
    model = VAE(worker.model.config)
    model.load_state_dict(worker.weights())
    return model.eval()


@torch.no_grad()
def live_encoding() -> dict:
    """The test set encoded by this session's model as it is now (not cached: it changes as it trains)."""
    data = images(current().cfg.dataset)
    model = live_model()
    mu, _ = model.encode(data.x_test, one_hot(data.y_test) if model.config.conditional else None)
    enc = {"mu": mu.numpy(), "label": data.y_test.numpy(), "step": current().last_step()}
    return labelled(enc, current().cfg.dataset)
