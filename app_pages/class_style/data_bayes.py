"""Bayes' rule on one image, cached per (checkpoint file, image) and shared by every session: p(y|x) and log p(x)
under the conditional model, and log p(x) under the unconditional model of the same dataset."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, checkpoint_names, scored_image, stamp
from vae.bayes import bayes_rule
from vae.marginal import log_marginal_grid

# The unconditional model beside the conditional one: the shipped 2-D Bernoulli VAE of the same dataset, whose exact
# log p(x) the ELBO lab computes by the same quadrature.
REFERENCE = {"mnist": "bce", "fashion-mnist": "fashion-bce"}
DIGITS_KEPT = 256


def bayes_numbers(model, x: torch.Tensor) -> dict:
    """p(y|x) (10,), log p(x|y) (10,) and log p(x) for one image under a 2-D conditional model, exactly (quadrature)."""
    found = bayes_rule(model, torch.as_tensor(np.asarray(x), dtype=torch.float32).reshape(-1))
    return {"p_y": found["p_y_given_x"].numpy(), "log_px_y": found["log_px_given_y"].numpy(), "log_px": found["log_px"]}


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner="Integrating p(x|y) over z for each class...")
def _bayes_test(name: str, file_stamp: float, index: int) -> dict:
    return bayes_numbers(checkpoint(name).model, scored_image(name, index))


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner="Integrating p(x|y) over z for each class...")
def _bayes_image(name: str, file_stamp: float, x: bytes) -> dict:
    return bayes_numbers(checkpoint(name).model, torch.frombuffer(bytearray(x), dtype=torch.float32))


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
def _reference(name: str, file_stamp: float, x: bytes) -> float:
    return log_marginal_grid(checkpoint(name).model, torch.frombuffer(bytearray(x), dtype=torch.float32))["log_px"]


def bayes(name: str, index: int | None, x: np.ndarray) -> dict:
    """Bayes' rule for shipped checkpoint `name` on test image `index` (None: the user's own image x), cached."""
    if index is not None:
        return _bayes_test(name, stamp(name), index)
    return _bayes_image(name, stamp(name), np.asarray(x, dtype=np.float32).tobytes())


def reference_log_px(dataset: str, x: np.ndarray) -> tuple[str, float] | None:
    """The unconditional model's name and its exact log p(x) on the same image, or None if it is not shipped."""
    ref = REFERENCE.get(dataset)
    if ref is None or ref not in checkpoint_names(dataset):
        return None
    return ref, _reference(ref, stamp(ref), np.asarray(x, dtype=np.float32).reshape(-1).tobytes())
