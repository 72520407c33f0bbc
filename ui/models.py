"""Cached, read-only resources shared by every session: the datasets, shipped checkpoints, their encodings.

Models from the cache are in eval mode and never trained in place; a model being trained belongs to its
own session. Cache keys include the file's modification time, so a re-saved checkpoint is reloaded.
"""
import os

import numpy as np
import streamlit as st
import torch

from ui.board_store import board_checkpoint, is_entry
from vae.serve.checkpoint import CHECKPOINT_DIR, NAME_RE, Checkpoint, checkpoint_path, load_checkpoint
from vae.config import TrainConfig
from vae.data import ImageSet, load_dataset
from vae.datasets import DATASETS, SHIPPED, Dataset
from vae.model import one_hot
from vae.trainer import eval_targets

# Shown first, in this order, when present; anything else in checkpoints/ follows alphabetically.
PREFERRED = ("bce", "mse", "notes")


@st.cache_resource(show_spinner="Loading the dataset...")
def images(dataset: str = "mnist") -> ImageSet:
    """The shipped copy of a dataset (vae.datasets.SHIPPED)."""
    return load_dataset(dataset)


def checkpoint_names(dataset: str | None = None, conditional: bool = False) -> list[str]:
    """The checkpoints in checkpoints/ the app can show (trained on a dataset it ships), optionally of one dataset.
    Conditional models (p(x|z, y)) are listed only when asked for: the page Class and style shows them; every other
    page decodes z alone. A page asks several times a run: the answer is kept for the folder's files as they are
    (names and modification times, one listing), not worked out again from every checkpoint each time."""
    return list(_names(listing(), dataset, conditional))


def listing() -> tuple:
    """The checkpoint folder's files as they are, ((name, modification time), ...): the key of what is worked out
    from all of them and kept until one changes."""
    return tuple(_files().items())


def _files() -> dict[str, float]:
    """name -> modification time of every checkpoint file in checkpoints/, by one listing of the folder."""
    with os.scandir(CHECKPOINT_DIR) as entries:
        return {e.name[:-12]: e.stat().st_mtime for e in entries
                if e.name.endswith(".safetensors") and NAME_RE.fullmatch(e.name[:-12])}


@st.cache_resource(max_entries=16, show_spinner=False)
def _names(files: tuple, dataset: str | None, conditional: bool) -> tuple[str, ...]:
    names = sorted(n for n, _ in files)
    names = [n for n in PREFERRED if n in names] + [n for n in names if n not in PREFERRED]
    return tuple(n for n in names if (trained_on := _dataset_if_there(n)) in SHIPPED and dataset in (None, trained_on)
                 and checkpoint(n).config.conditional == conditional)


def _dataset_if_there(name: str) -> str | None:
    """dataset_of, or None for a file deleted since it was listed (another session's scratch run, a teacher
    tidying checkpoints/): that one is left out, and the page still draws."""
    try:
        return dataset_of(name)
    except FileNotFoundError:
        return None


def stamp(name: str) -> float:
    """The checkpoint file's modification time: part of every cache key derived from it (0 for a class board's
    entry, which never changes). Read for every cached thing a run asks for, so a plain name is one stat of its file:
    checkpoint_path's checks resolve the folder and the file again, 15 times as long."""
    if is_entry(name):
        return 0.0
    if isinstance(name, str) and NAME_RE.fullmatch(name):  # letters, digits, '-', '_': a file inside the folder
        return os.stat(os.path.join(CHECKPOINT_DIR, f"{name}.safetensors")).st_mtime
    return checkpoint_path(name).stat().st_mtime


@st.cache_resource(show_spinner="Loading checkpoint...", max_entries=32)
def _checkpoint(name: str, stamp: float) -> Checkpoint:
    ckpt = load_checkpoint(checkpoint_path(name))
    for p in ckpt.model.parameters():
        p.requires_grad_(False)
    return ckpt


def checkpoint(name: str) -> Checkpoint:
    """A shipped checkpoint by its file's name, or an entry of a class board by its "class:<code>:<id>"."""
    return board_checkpoint(name) if is_entry(name) else _checkpoint(name, stamp(name))


def dataset_of(name: str) -> str:
    return checkpoint(name).train_config.dataset


def info(dataset: str) -> Dataset:
    """A dataset's title, class names and what one image is called."""
    return DATASETS[dataset]


def labelled(enc: dict, dataset: str) -> dict:
    """An encoding with what the figures need to name its classes."""
    d = info(dataset)
    return {**enc, "dataset": dataset, "classes": d.classes, "item": d.item}


@st.cache_resource(show_spinner="Encoding the 10,000 test digits...", max_entries=32)
def _encoded(name: str, stamp: float) -> dict:
    ckpt = checkpoint(name)
    return encode(ckpt.model, ckpt.train_config.dataset)


@torch.no_grad()
def encode(model, dataset: str) -> dict:
    """Posterior means and standard deviations of a dataset's 10,000 test images, with their labels (a conditional
    model encodes each with its own class)."""
    data = images(dataset)
    mu, logvar = model.encode(data.x_test, one_hot(data.y_test) if model.config.conditional else None)  # q(z|x, y)
    enc = {"mu": mu.numpy(), "std": torch.exp(0.5 * logvar).numpy(), "label": data.y_test.numpy().astype(np.int64)}
    return labelled(enc, dataset)


def encoded_test_set(name: str) -> dict:
    """Posterior means and standard deviations of every test image under checkpoint `name`, of its dataset."""
    return _encoded(name, stamp(name))


@st.cache_resource(max_entries=4)
def _targets(binarized: bool, dataset: str) -> torch.Tensor:
    return eval_targets(images(dataset), TrainConfig(binarize=binarized, dataset=dataset))


def scored_image(name: str, index: int) -> torch.Tensor:
    """Test image `index` as checkpoint `name` is scored on it: grey levels, or the fixed binarization."""
    cfg = checkpoint(name).train_config
    return _targets(cfg.binarize, cfg.dataset)[index]
