"""`python -m vae.train` end to end: it trains, prints test metrics and writes a loadable checkpoint."""
import subprocess
import sys
from pathlib import Path

from vae.serve.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parent.parent


def cli(*args):
    return subprocess.run([sys.executable, "-m", "vae.train", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_cli_trains_and_saves(tmp_path):
    result = cli("--likelihood", "mse", "--sigma", "0.2", "--epochs", "1", "--seed", "5", "--out", "tiny",
                 "--checkpoint-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "test loss" in result.stdout and "nats per image" in result.stdout
    ckpt = load_checkpoint(tmp_path / "tiny.safetensors")
    assert ckpt.config.likelihood == "mse" and ckpt.config.sigma == 0.2 and ckpt.train_config.seed == 5
    assert f"{ckpt.metrics['test_loss']:.3f}" in result.stdout
    assert len(ckpt.history) == 1 and len(ckpt.data_sha256) == 64


def test_cli_refuses_to_write_outside_the_checkpoint_folder(tmp_path):
    result = cli("--epochs", "1", "--out", "../escape.safetensors", "--checkpoint-dir", str(tmp_path))
    assert result.returncode == 2 and "refusing to write" in result.stderr
    assert not (tmp_path.parent / "escape.safetensors").exists()
