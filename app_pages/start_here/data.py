"""Cached numbers for the "Start here" lesson, computed on the shipped checkpoints. Keys include file stamps."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, dataset_of, encoded_test_set, images, stamp
from vae.losses import elbo_terms, kl_divergence
from vae.toy import contested_pixel

# dataset -> (plain autoencoder, VAE): the pair the lesson shows (see the README's checkpoint table)
PAIRS = {"mnist": ("ae", "bce"), "fashion-mnist": ("fashion-ae", "fashion-bce")}
BETA_MODELS = {1: "bce", 2: "bce-b2", 4: "bce-b4"}  # β -> shipped checkpoint (see the README table)
ELBO_SAMPLES, ELBO_SEED = 256, 0  # Monte Carlo draws of z ~ q(z|x) behind the reconstruction term


def prior_z(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))


@st.cache_data(max_entries=32, show_spinner=False)
def prior_samples(name: str, file_stamp: float, n: int, seed: int) -> dict:
    """n points z ~ N(0, I) and the images the model decodes them to."""
    z = prior_z(n, seed)
    return {"z": z.numpy(), "images": checkpoint(name).model.decode_images(z).numpy()}


def samples(name: str, n: int, seed: int) -> dict:
    return prior_samples(name, stamp(name), n, seed)


@st.cache_data(max_entries=16, show_spinner=False)
def code_spread(name: str, file_stamp: float) -> dict:
    """Where the test digits' codes sit: their centre, spread per axis, and the share inside the prior's 2σ circle."""
    mu = encoded_test_set(name)["mu"]
    radius = np.linalg.norm(mu, axis=1)
    return {"centre": mu.mean(0), "std": mu.std(0), "inside_2sd": float((radius < 2).mean())}


def spread(name: str) -> dict:
    return code_spread(name, stamp(name))


def posterior(name: str, index: int) -> dict:
    """Test image `index`'s q(z|x): mean, standard deviations, and its KL to the prior in nats."""
    enc = encoded_test_set(name)
    mu, std = enc["mu"][index], enc["std"][index]
    kl = kl_divergence(torch.from_numpy(mu), torch.from_numpy(2 * np.log(std)))
    return {"mu": mu, "std": std, "kl": float(kl), "label": int(enc["label"][index])}


@st.cache_data(max_entries=64, show_spinner=False)
def elbo_numbers(name: str, file_stamp: float, index: int) -> dict:
    """The ELBO of one test digit in nats: E_q[log p(x|z)] by Monte Carlo with a fixed seed, minus the exact KL."""
    model = checkpoint(name).model
    x = images(dataset_of(name)).x_test[index:index + 1]
    with torch.no_grad():
        out = model(x, n_samples=ELBO_SAMPLES, generator=torch.Generator().manual_seed(ELBO_SEED))
        terms = elbo_terms(x, out, model.config)
        mean_image = model.decode_images(out["mu"])[0].numpy()
    recon, kl = float(terms["recon"]), float(terms["kl"])
    return {"recon": recon, "kl": kl, "elbo": -recon - kl, "image": x.reshape(28, 28).numpy(),
            "reconstruction": mean_image}


def elbo(name: str, index: int) -> dict:
    return elbo_numbers(name, stamp(name), index)


@st.cache_data(max_entries=32, show_spinner=False)
def pixel_average(name: str, file_stamp: float, index: int, k: int = 50) -> dict:
    """The k digits encoded nearest to digit `index`, the pixel they disagree on most, and the decoder's output there."""
    x = images(dataset_of(name)).x_test
    mu = torch.from_numpy(encoded_test_set(name)["mu"])
    found = contested_pixel(x, mu, index, k)
    output = checkpoint(name).model.decode_images(mu[index:index + 1])[0].reshape(-1)
    return {"values": found["values"].numpy(), "pixel": found["pixel"], "output": float(output[found["pixel"]]),
            "image": x[index].reshape(28, 28).numpy(), "decoded": output.reshape(28, 28).numpy()}


def blur(name: str, index: int) -> dict:
    return pixel_average(name, stamp(name), index)
