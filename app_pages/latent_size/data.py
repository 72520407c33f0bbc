"""The numbers and pictures this page shows of the two ladders of shipped MNIST checkpoints (cached per
checkpoint file)."""
import numpy as np
import streamlit as st
import torch

from ui.models import checkpoint, images, stamp
from vae.blur import blur_measures

SEED = 0


def keys(names) -> tuple:
    return tuple((n, stamp(n)) for n in names)


def test_indices(n: int, seed: int) -> list[int]:
    return torch.randperm(10_000, generator=torch.Generator().manual_seed(seed))[:n].tolist()


@st.cache_data(max_entries=16, show_spinner="Decoding with each latent size...")
def pictures(keyed: tuple, n: int, seed: int) -> dict:
    """The same test digits reconstructed by each model (from the posterior mean), and n prior samples of each."""
    x = images("mnist").x_test[test_indices(n, seed)]
    out = {"original": x.reshape(-1, 28, 28).numpy()}
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, _ in keyed:
            model = checkpoint(name).model
            out[name] = model.decode_images(model.encode(x)[0]).numpy()
            out[f"{name} prior"] = model.decode_images(torch.randn(n, model.config.latent_dim, generator=gen)).numpy()
    return out


@st.cache_data(max_entries=16, show_spinner="Measuring blur on 10,000 test digits for each latent size...")
def blur_rows(keyed: tuple) -> list[dict]:
    """Blur measures of each model's 10,000 test reconstructions and of as many prior samples."""
    x, rows = images("mnist").x_test, []
    with torch.no_grad():
        for name, _ in keyed:
            model = checkpoint(name).model
            recon = blur_measures(model.decode_images(model.encode(x)[0]))
            z = torch.randn(len(x), model.config.latent_dim, generator=torch.Generator().manual_seed(SEED))
            prior = blur_measures(model.decode_images(z))
            rows.append({"name": name, "recon": recon, "prior": prior})
    return rows


def mosaic(rows: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Rows of (n, 28, 28) images -> one grey image, tiles and rows separated by mid-grey gaps."""
    n = max(len(r) for r in rows)
    out = np.full((len(rows) * (28 + gap) - gap, n * (28 + gap) - gap), 0.5, dtype=np.float32)
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            out[i * (28 + gap):i * (28 + gap) + 28, j * (28 + gap):j * (28 + gap) + 28] = image
    return out
