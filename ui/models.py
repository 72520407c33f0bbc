"""Cached, read-only resources shared by every session: MNIST, shipped checkpoints, their encodings.

Models from the cache are in eval mode and never trained in place; a model being trained belongs to its
own session. Cache keys include the file's modification time, so a re-saved checkpoint is reloaded.
"""
import numpy as np
import streamlit as st
import torch

from vae.serve.checkpoint import CHECKPOINT_DIR, Checkpoint, checkpoint_path, list_checkpoints, load_checkpoint
from vae.config import TrainConfig
from vae.data import MNIST, load_mnist
from vae.trainer import eval_targets

# Shown first, in this order, when present; anything else in checkpoints/ follows alphabetically.
PREFERRED = ("bce", "mse", "notes")


@st.cache_resource(show_spinner="Loading MNIST...")
def mnist() -> MNIST:
    return load_mnist()


def checkpoint_names() -> list[str]:
    names = list_checkpoints(CHECKPOINT_DIR)
    return [n for n in PREFERRED if n in names] + [n for n in names if n not in PREFERRED]


def stamp(name: str) -> float:
    """The checkpoint file's modification time: part of every cache key derived from it."""
    return checkpoint_path(name).stat().st_mtime


@st.cache_resource(show_spinner="Loading checkpoint...", max_entries=32)
def _checkpoint(name: str, stamp: float) -> Checkpoint:
    ckpt = load_checkpoint(checkpoint_path(name))
    for p in ckpt.model.parameters():
        p.requires_grad_(False)
    return ckpt


def checkpoint(name: str) -> Checkpoint:
    return _checkpoint(name, stamp(name))


@st.cache_resource(show_spinner="Encoding the 10,000 test digits...", max_entries=32)
def _encoded(name: str, stamp: float) -> dict:
    model = _checkpoint(name, stamp).model
    data = mnist()
    with torch.no_grad():
        mu, logvar = model.encode(data.x_test)
    return {"mu": mu.numpy(), "std": torch.exp(0.5 * logvar).numpy(), "label": data.y_test.numpy().astype(np.int64)}


def encoded_test_set(name: str) -> dict:
    """Posterior means and standard deviations of every MNIST test digit under checkpoint `name`."""
    return _encoded(name, stamp(name))


@st.cache_resource(max_entries=4)
def _targets(binarized: bool) -> torch.Tensor:
    return eval_targets(mnist(), TrainConfig(binarize=binarized))


def scored_image(name: str, index: int) -> torch.Tensor:
    """Test digit `index` as checkpoint `name` is scored on it: grey levels, or the fixed binarization."""
    return _targets(checkpoint(name).train_config.binarize)[index]
