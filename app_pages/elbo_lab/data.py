"""The ELBO lab's heavy numbers for one test digit under one checkpoint, cached per (checkpoint file, digit) and
shared by every session. A cache holds 256 digits, about 30 MB in all: room for what a class of students opens, and
for the digits the server computes ahead of them (sections.ask_ahead)."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, scored_image, stamp
from vae.estimators import gradient_samples, iwae_curve, log_likelihood_samples
from vae.posterior import decompose

DIGITS_KEPT = 256


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner="Integrating over the latent plane...")
def _decomposition(name: str, file_stamp: float, index: int) -> dict:
    return decompose(checkpoint(name).model, scored_image(name, index))


def decomposition(name: str, index: int) -> dict:
    return _decomposition(name, stamp(name), index)


def references(name: str, index: int) -> dict:
    """What sections 2 and 4 compare with: exact values by quadrature for a 2-D latent, else Monte Carlo estimates
    from the IWAE's draws (log p(x) then has no reference line: the IWAE bound is its best estimate)."""
    if checkpoint(name).config.latent_dim == 2:
        dec = decomposition(name, index)
        return {"log_px": dec["log_px"], "elbo": dec["elbo"], "expected_log_lik": dec["expected_log_lik"],
                "what": "exact value"}
    est = iwae_estimate(name, index)
    return {"log_px": None, "elbo": est["elbo"], "expected_log_lik": est["expected_log_lik"],
            "what": "mean of 25,000 other draws"}


def iwae_estimate(name: str, index: int) -> dict:
    """The IWAE curve, and the ELBO estimated from the same draws."""
    return _iwae(name, stamp(name), index)


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner="Drawing 25,000 importance samples...")
def _iwae(name: str, file_stamp: float, index: int) -> dict:
    # 5 repeats of K = 5,000, not 10: the decoder pass over 50,000 draws took 0.1 s more, a quarter of the time the
    # page has to answer a new digit. The spread the page shows is that of these 5.
    return iwae_curve(checkpoint(name).model, scored_image(name, index), repeats=5,
                      generator=torch.Generator().manual_seed(index))


def gradients(name: str, index: int, seed: int) -> dict:
    return _gradients(name, stamp(name), index, seed)


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
def _gradients(name: str, file_stamp: float, index: int, seed: int) -> dict:
    return gradient_samples(checkpoint(name).model, scored_image(name, index), 2000, torch.Generator().manual_seed(seed))


def likelihood_draws(name: str, index: int, seed: int) -> np.ndarray:
    return _likelihood_draws(name, stamp(name), index, seed)


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
def _likelihood_draws(name: str, file_stamp: float, index: int, seed: int) -> np.ndarray:
    # Seeds from 10,000 on: the IWAE draws with seed = index (0-9999), and these must be other draws.
    return log_likelihood_samples(checkpoint(name).model, scored_image(name, index), 5000,
                                  torch.Generator().manual_seed(10_000 + seed)).numpy()


def compute_ahead(name: str, index: int, gradient_seed: int, mc_seed: int) -> None:
    """Every number the four digit sections read for this digit, into their caches: what the server computes
    ahead, while idle, for the digits a student will probably ask for next (sections.ask_ahead)."""
    if checkpoint(name).config.latent_dim == 2:
        decomposition(name, index)
    iwae_estimate(name, index)
    gradients(name, index, gradient_seed)
    likelihood_draws(name, index, mc_seed)
