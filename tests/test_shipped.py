"""The shipped checkpoints load, were trained on this MNIST file, and score what the README says."""
import re
from pathlib import Path

import pytest

from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_targets, evaluate

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| `([\w-]+)` \| `(python -m vae\.train [^`]+)` \| (-?[\d.]+) \| (-?[\d.]+) \| ([\d.]+) \|", re.M)


def readme_rows():
    return {m[0]: (m[1], *map(float, m[2:])) for m in ROW.findall(README.read_text())}


def test_readme_lists_every_shipped_checkpoint():
    shipped = sorted(p.stem for p in CHECKPOINT_DIR.glob("*.safetensors"))
    assert {"bce", "mse", "notes"} <= set(shipped)
    assert sorted(readme_rows()) == shipped


@pytest.mark.parametrize("name", sorted(readme_rows()))
def test_readme_metrics_reproduce(mnist, name):
    command, loss, recon, kl = readme_rows()[name]
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    assert ckpt.data_sha256 == mnist.sha256
    assert f"--out checkpoints/{name}.safetensors" in command
    assert f"--likelihood {ckpt.config.likelihood}" in command and f"--seed {ckpt.train_config.seed}" in command
    assert f"--epochs {ckpt.train_config.epochs}" in command
    assert ("--binarize" in command) == ckpt.train_config.binarize
    assert ("--autoencoder" in command) == (not ckpt.config.variational)
    got = evaluate(ckpt.model, eval_targets(mnist, ckpt.train_config))
    digits = 2 if ckpt.config.likelihood != "notes" else 4
    assert [round(got[k], digits) for k in ("loss", "recon", "kl")] == [loss, recon, kl]
    assert got["loss"] == pytest.approx(ckpt.metrics["test_loss"], abs=1e-4)
