"""The ELBO lab's heavy numbers for one test digit under one checkpoint, cached per (checkpoint file, digit) and
shared by every session. A cache holds 256 digits, about 30 MB in all: room for what a class of students opens, and
for the digits the server computes ahead of them (sections.ask_ahead)."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, checkpoint_names, listing, scored_image, stamp
from vae.estimators import gradient_samples, iwae_curve, log_likelihood_samples
from vae.posterior import decompose

DIGITS_KEPT = 256
FIRST_DIGIT = 7
MC_DRAWS = 5000  # section 4's draws of log p(x|z)


def boundable(ckpt) -> bool:
    """A model with a likelihood in nats and a q(z|x) to bound with (not the notes' loss, not a plain autoencoder)."""
    return ckpt.config.likelihood != "notes" and ckpt.config.variational


def shipped() -> list[str]:
    """The shipped checkpoints the page can bound, the first of them its default: kept for the checkpoint folder's
    files as they are (a checkpoint cache call per file and run cost 5% of a load's server time, py-spy)."""
    return list(_shipped(listing()))


@st.cache_resource(max_entries=4, show_spinner=False)
def _shipped(files: tuple) -> tuple[str, ...]:
    return tuple(n for n in checkpoint_names() if boundable(checkpoint(n)))


# No spinners on these caches: a digit's numbers take about 0.1 s each, and a spinner shown and removed for so short a
# time is only a flicker, and two more redraws of the page for the browser.
@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
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


def iwae_plan(name: str) -> tuple[tuple[int, ...], int]:
    """The K values of the IWAE curve, and how many disjoint blocks the largest K gets (draws = blocks x max K).
    Beyond two dimensions the K = 5,000 bound is the page's estimate of log p(x) itself: 5 blocks of it, 25,000 draws.
    For a 2-D model section 1 has log p(x) exactly, and the curve shows the climb towards it: up to K = 1,000 in 10
    blocks, 10,000 draws, because there the quadrature already costs as much as 25,000 decoder passes and the page
    has 0.4 s for the whole digit (bench/elbo_lab_speed.py)."""
    return ((1, 10, 100, 1000), 10) if checkpoint(name).config.latent_dim == 2 else ((1, 10, 100, 1000, 5000), 5)


def iwae_estimate(name: str, index: int) -> dict:
    """The IWAE curve (with its number of blocks at the largest K, "blocks", and for a 2-D model its first draws of
    log p(x|z), "first_draws", which section 4 shares), and the ELBO from the same draws."""
    return _iwae(name, stamp(name), index)


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
def _iwae(name: str, file_stamp: float, index: int) -> dict:
    ks, blocks = iwae_plan(name)
    curve = iwae_curve(checkpoint(name).model, scored_image(name, index), ks=ks, repeats=blocks,
                       generator=torch.Generator().manual_seed(index))
    log_lik = curve.pop("log_lik")  # kept only where section 4 shares them (likelihood_draws), and only those
    shared = log_lik[:MC_DRAWS].copy() if checkpoint(name).config.latent_dim == 2 else None
    return {**curve, "blocks": blocks, "first_draws": shared}


def gradients(name: str, index: int, seed: int) -> dict:
    return _gradients(name, stamp(name), index, seed)


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
def _gradients(name: str, file_stamp: float, index: int, seed: int) -> dict:
    return gradient_samples(checkpoint(name).model, scored_image(name, index), 2000, torch.Generator().manual_seed(seed))


def likelihood_draws(name: str, index: int, seed: int) -> np.ndarray:
    """MC_DRAWS (5,000) draws of log p(x|z), z ~ q(z|x), for section 4. For a 2-D model the first ones are the IWAE's own first
    5,000: section 4 compares them with the exact value from the quadrature, so sharing them saves a decoder pass at
    no cost; "Draw again" (seed 1 on) draws others. Beyond 2-D section 4's reference is the mean of the IWAE's
    draws, so its draws must be other ones."""
    if seed == 0 and checkpoint(name).config.latent_dim == 2:
        return iwae_estimate(name, index)["first_draws"]
    return _likelihood_draws(name, stamp(name), index, seed)


@st.cache_data(max_entries=DIGITS_KEPT, show_spinner=False)
def _likelihood_draws(name: str, file_stamp: float, index: int, seed: int) -> np.ndarray:
    # Seeds from 10,000 on: the IWAE draws with seed = index (0-9999), and these must be other draws.
    return log_likelihood_samples(checkpoint(name).model, scored_image(name, index), MC_DRAWS,
                                  torch.Generator().manual_seed(10_000 + seed)).numpy()


def compute_ahead(name: str, index: int, gradient_seed: int, mc_seed: int) -> None:
    """Every number the four digit sections read for this digit, into their caches: what the server computes
    ahead, while idle, for the digits a student will probably ask for next (sections.ask_ahead)."""
    if checkpoint(name).config.latent_dim == 2:
        decomposition(name, index)
    iwae_estimate(name, index)
    gradients(name, index, gradient_seed)
    likelihood_draws(name, index, mc_seed)
