"""Cached arrays for the MSE vs BCE page. Keys include each checkpoint's modification time."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, dataset_of, images
from vae.blur import blur_measures
from vae.serve.checkpoint import checkpoint_path
from vae.toy import contested_pixel, decoder_samples, fit_constant, stroke_data

PRIOR_SEED = 0


def stamps(names) -> tuple:
    return tuple((name, checkpoint_path(name).stat().st_mtime) for name in names)


def test_set(keys: tuple):
    """The test images of the dataset the models in `keys` were trained on (a page compares one dataset at a time)."""
    return images(dataset_of(keys[0][0]))


def pick_digits(digit, n: int, seed: int, dataset: str = "mnist") -> list[int]:
    """n test-set indices, of one class (or any class if digit is None), drawn with `seed`."""
    labels = images(dataset).y_test
    pool = torch.arange(len(labels)) if digit is None else (labels == digit).nonzero().squeeze(1)
    order = torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed))
    return pool[order[:n]].tolist()


@torch.no_grad()
def _reconstruct(name: str, x: torch.Tensor) -> np.ndarray:
    """Decoder means at the posterior means: what a model "sees" in x, without sampling noise."""
    model = checkpoint(name).model
    return model.decode_images(model.encode(x)[0]).numpy()


@st.cache_data(max_entries=64, show_spinner=False)
def reconstructions(keys: tuple, indices: tuple) -> dict:
    x = test_set(keys).x_test[list(indices)]
    return {"original": x.reshape(-1, 28, 28).numpy(), **{name: _reconstruct(name, x) for name, _ in keys}}


def prior_z(n: int, latent_dim: int = 2, seed: int = PRIOR_SEED) -> torch.Tensor:
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))


@st.cache_data(max_entries=16, show_spinner=False)
def prior_decodes(keys: tuple, n: int) -> dict:
    """The same z ~ N(0, I) decoded by every model."""
    return {name: checkpoint(name).model.decode_images(prior_z(n)).numpy() for name, _ in keys}


def grid_z(steps: int) -> torch.Tensor:
    """Latent points at evenly spaced prior quantiles (5%..95%), so each cell holds equal prior mass."""
    q = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, steps))
    z2, z1 = torch.meshgrid(q.flip(0), q, indexing="ij")  # z2 grows upwards, as on the latent map
    return torch.stack([z1, z2], -1)


@st.cache_data(max_entries=16, show_spinner=False)
def manifold(key: tuple, steps: int) -> np.ndarray:
    """(steps * 28, steps * 28) mosaic of the decoder means over the grid_z points."""
    images = checkpoint(key[0]).model.decode_images(grid_z(steps)).numpy()
    return images.transpose(0, 2, 1, 3).reshape(steps * 28, steps * 28)


@st.cache_data(max_entries=8, show_spinner="Measuring blur on 10,000 test images...")
def blur_table(keys: tuple) -> list[dict]:
    """Blur measures of the real test images, each model's reconstructions of them, and its prior samples."""
    x = test_set(keys).x_test
    rows = [{"images": "real test images", "model": "data", **blur_measures(x)}]
    for name, _ in keys:
        rows.append({"images": f"{name}: reconstructions", "model": name, **blur_measures(_reconstruct(name, x))})
    for name, _ in keys:
        images = checkpoint(name).model.decode_images(prior_z(len(x)))
        rows.append({"images": f"{name}: prior samples", "model": name, **blur_measures(images)})
    return rows


@st.cache_data(max_entries=32, show_spinner=False)
def toy(p: float, n: int = 500, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    x = stroke_data(p, n, gen)
    mse, bce = fit_constant(x, "mse"), fit_constant(x, "bce")
    return {"x": x.numpy(), "mse": {k: v.numpy() for k, v in mse.items()},
            "bce": {k: v.numpy() for k, v in bce.items()},
            "bernoulli": decoder_samples(bce["output"], "bce", 8, generator=gen).numpy(),
            "gaussian": decoder_samples(mse["output"], "mse", 8, sigma=0.1, generator=gen).numpy()}


@st.cache_data(max_entries=32, show_spinner=False)
def neighbourhood(keys: tuple, index: int, k: int = 50) -> dict:
    """Digit `index`'s latent neighbours under the first model, and every model's output at their contested pixel."""
    x = test_set(keys).x_test
    with torch.no_grad():
        mu = checkpoint(keys[0][0]).model.encode(x)[0]
    found = contested_pixel(x, mu, index, k)
    outputs = {name: _reconstruct(name, x[index:index + 1])[0] for name, _ in keys}
    return {"neighbours": found["neighbours"].numpy(), "pixel": found["pixel"], "values": found["values"].numpy(),
            "outputs": outputs}


@st.cache_data(max_entries=32, show_spinner=False)
def recon_summary(key: tuple) -> dict:
    """Squared error per image (summed over 784 pixels on [0, 1]) and blur of the test-set reconstructions:
    the same units for every model, whatever its likelihood."""
    x = test_set((key,)).x_test
    recon = _reconstruct(key[0], x)
    return {"squared_error": float(((torch.from_numpy(recon).reshape(len(x), -1) - x) ** 2).sum(1).mean()),
            **blur_measures(recon)}
