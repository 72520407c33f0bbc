"""The shipped checkpoints load, were trained on the shipped copy of their dataset, and score what the README's table
says; the blur measures and importance-sampled log-likelihoods in docs/measurements.md reproduce."""
import re
from pathlib import Path

import pytest

import torch

from vae.blur import blur_measures
from vae.data import load_dataset
from vae.datasets import DATASETS
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_targets, evaluate

README = Path(__file__).resolve().parent.parent / "README.md"
MEASUREMENTS = README.parent / "docs" / "measurements.md"
ROW = re.compile(r"^\| `([\w-]+)` \| `(python -m vae\.train [^`]+)` \| (-?[\d.]+) \| (-?[\d.]+) \| ([\d.]+) \|", re.M)


def readme_rows():
    return {m[0]: (m[1], *map(float, m[2:])) for m in ROW.findall(README.read_text())}


def test_readme_lists_every_shipped_checkpoint():
    # (test-* files are the scratch saves of tests running beside this one on the other worker)
    shipped = sorted(p.stem for p in CHECKPOINT_DIR.glob("*.safetensors") if not p.stem.startswith("test-"))
    assert {"bce", "mse", "notes"} <= set(shipped)
    assert sorted(readme_rows()) == shipped


@pytest.fixture(scope="module")
def datasets():
    return {name: load_dataset(name) for name in ("mnist", "fashion-mnist")}


@pytest.mark.parametrize("name", sorted(readme_rows()))
def test_readme_metrics_reproduce(datasets, name):
    command, loss, recon, kl = readme_rows()[name]
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    data = datasets[ckpt.train_config.dataset]
    assert ckpt.data_sha256 == data.sha256 == DATASETS[data.dataset].sha256
    assert ("--dataset fashion-mnist" in command) == (data.dataset == "fashion-mnist")
    assert f"--out checkpoints/{name}.safetensors" in command
    assert f"--likelihood {ckpt.config.likelihood}" in command and f"--seed {ckpt.train_config.seed}" in command
    assert f"--epochs {ckpt.train_config.epochs}" in command
    assert ("--binarize" in command) == ckpt.train_config.binarize
    assert ("--autoencoder" in command) == (not ckpt.config.variational)
    assert ("--conditional" in command) == ckpt.config.conditional
    assert (f"--latent-dim {ckpt.config.latent_dim}" in command) == (ckpt.config.latent_dim != 2)
    assert (f"--beta {ckpt.config.beta:g}" in command) == (ckpt.config.beta != 1)
    assert ("--free-bits 0" in command) == (ckpt.train_config.free_bits == 0)
    assert (f"--iwae-images {ckpt.metrics.get('iwae_images', 0):g}" in command) == ("test_iwae_nll" in ckpt.metrics)
    got = evaluate(ckpt.model, eval_targets(data, ckpt.train_config), labels=data.y_test)  # (a conditional model's)
    digits = 2 if ckpt.config.likelihood != "notes" else 4
    assert [round(got[k], digits) for k in ("loss", "recon", "kl")] == [loss, recon, kl]
    assert got["loss"] == pytest.approx(ckpt.metrics["test_loss"], abs=1e-4)


BLUR_ROW = re.compile(r"^\| (MNIST|Fashion-MNIST) \| (real test images|`[\w-]+` reconstructions) \| ([\d.]+)% \| "
                      r"([\d.]+) \| ([\d.]+) \|", re.M)


def test_readme_blur_measures_reproduce(datasets):
    rows = BLUR_ROW.findall(MEASUREMENTS.read_text())
    assert len(rows) == 6
    titles = {d.title: name for name, d in DATASETS.items()}
    for title, images, share, entropy, steepness in rows:
        x = datasets[titles[title]].x_test
        if images != "real test images":
            model = load_checkpoint(CHECKPOINT_DIR / f"{images.split('`')[1]}.safetensors").model
            with torch.no_grad():
                x = model.decode_images(model.encode(x)[0])
        got = blur_measures(x)
        assert [round(100 * got["grey_share"], 1), round(got["entropy_bits"], 3), round(got["edge_steepness"], 3)] \
            == [float(share), float(entropy), float(steepness)], (title, images)


IWAE_ROW = re.compile(r"^\| `([\w-]+)` \| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", re.M)


def test_readme_iwae_estimates_reproduce(datasets):
    """-log p(x) by IWAE (K = 5000) for each latent size: recomputed with the noise the command line used."""
    from vae.trainer import iwae_metrics
    rows = IWAE_ROW.findall(MEASUREMENTS.read_text())
    assert sorted(int(r[1]) for r in rows) == [2, 4, 8, 16, 32]
    for name, dim, elbo, iwae, gap in rows:
        ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
        x = eval_targets(datasets["mnist"], ckpt.train_config)[:ckpt.metrics["iwae_images"]]
        got = iwae_metrics(ckpt.model, x)
        assert ckpt.config.latent_dim == int(dim) and round(got["iwae_neg_elbo"], 2) == float(elbo)
        assert got["test_iwae_nll"] == pytest.approx(ckpt.metrics["test_iwae_nll"], abs=1e-3)
        assert round(got["test_iwae_nll"], 2) == float(iwae)
        assert round(got["iwae_neg_elbo"] - got["test_iwae_nll"], 2) == pytest.approx(float(gap))
