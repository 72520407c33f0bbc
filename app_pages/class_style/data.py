"""The page's images: what a conditional model decodes for every class, from the prior's draws and from the user's own
digit under q(z|x, y); the draws of a shipped checkpoint are cached and shared by every session."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, stamp
from vae.model import N_CLASSES, one_hot

STYLES = 8  # columns of the grid drawn from the prior
EVERY_CLASS = one_hot(torch.arange(N_CLASSES))[:, None]  # (10, 1, 10): broadcast against points z (n, D)


@torch.no_grad()
def as_every_class(model, z) -> np.ndarray:
    """p(x|z, y)'s mean image for each class y and each point z (n, 2): (10, n, 28, 28)."""
    return model.decode_images(torch.as_tensor(np.asarray(z), dtype=torch.float32), EVERY_CLASS).numpy()


def prior_styles(seed: int) -> np.ndarray:
    """STYLES points z ~ N(0, I) from a seeded generator: (STYLES, 2)."""
    return torch.randn((STYLES, 2), generator=torch.Generator().manual_seed(seed)).numpy()


@st.cache_data(max_entries=64, show_spinner=False)
def _styles(name: str, file_stamp: float, seed: int) -> np.ndarray:
    return as_every_class(checkpoint(name).model, prior_styles(seed))


def styles(name: str, seed: int) -> np.ndarray:
    """The grid's prior draws for shipped checkpoint `name`, decoded as every class (10, STYLES, 28, 28)."""
    return _styles(name, stamp(name), seed)


@torch.no_grad()
def encode_with_class(model, x: np.ndarray, label: int) -> dict:
    """q(z|x, y) for one 28x28 image given its class: its mean and standard deviations, and the mean redrawn as every
    class (10, 28, 28): the same style, written as each class."""
    mu, logvar = model.encode(torch.as_tensor(x, dtype=torch.float32).reshape(1, 784), one_hot([label]))
    return {"mu": mu[0].numpy(), "std": torch.exp(0.5 * logvar)[0].numpy(), "label": label,
            "redrawn": as_every_class(model, mu.numpy())[:, 0]}

