"""Checkpoints: bit-exact round trips, and every kind of bad file refused with a clear message."""
import io
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from vae.serve.checkpoint import (MAX_BYTES, CheckpointError, checkpoint_path, list_checkpoints, load_checkpoint,
                            save_checkpoint)
from vae.config import TrainConfig, VAEConfig
from vae.trainer import build_model


def saved(tmp_path, config=VAEConfig(), name="m"):
    model = build_model(config, 3)
    path = save_checkpoint(tmp_path / f"{name}.safetensors", model, TrainConfig(epochs=7), {"test_loss": 150.5},
                           [{"epoch": 1, "test_loss": 160.0}], "abc123")
    return model, path


@pytest.mark.parametrize("config", [VAEConfig(), VAEConfig(latent_dim=7, likelihood="mse", sigma=0.2, beta=2.0),
                                    VAEConfig(likelihood="notes"), VAEConfig(conditional=True)])
def test_round_trip_is_bit_exact(tmp_path, config):
    model, path = saved(tmp_path, config)
    ckpt = load_checkpoint(path)
    assert ckpt.config == config and ckpt.train_config == TrainConfig(epochs=7)
    assert ckpt.metrics == {"test_loss": 150.5} and ckpt.history == ({"epoch": 1, "test_loss": 160.0},)
    assert ckpt.data_sha256 == "abc123" and not ckpt.model.training
    for (k, a), (k2, b) in zip(model.state_dict().items(), ckpt.model.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    assert load_checkpoint(path.read_bytes()).config == config
    assert list_checkpoints(tmp_path) == ["m"]


class CreatesFile:
    """Unpickling this object would create a file: proof that a loader ran code."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_pickle_is_refused_without_running_it(tmp_path):
    target = tmp_path / "pwned"
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(pickle.dumps({"weights": CreatesFile(str(target))}))
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(bad)
    assert not target.exists()
    # the same payload with the 8 bytes of a plausible header length in front still never reaches pickle
    blob = pickle.dumps(CreatesFile(str(target)))
    with pytest.raises(CheckpointError):
        load_checkpoint(struct.pack("<Q", len(blob)) + blob)
    assert not target.exists()


def test_a_torch_zip_gets_a_conversion_hint(tmp_path):
    buffer = io.BytesIO()
    torch.save(build_model(VAEConfig(), 0).state_dict(), buffer)
    with pytest.raises(CheckpointError, match="save_file"):
        load_checkpoint(buffer.getvalue())


def _edit(tmp_path, mutate, config=VAEConfig()):
    """A checkpoint written with weights changed by `mutate(state_dict)` and the original metadata."""
    model, path = saved(tmp_path, config)
    from safetensors.torch import safe_open, save
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    tensors = {k: v.clone() for k, v in model.state_dict().items()}
    mutate(tensors)
    return save(tensors, metadata=meta)


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.pop("decoder.6.bias"), "missing"),
    (lambda t: t.update(extra=torch.zeros(3)), "unexpected"),
    (lambda t: t.update({"decoder.6.bias": torch.zeros(100)}), r"needs torch.float32 \(784,\)"),
    (lambda t: t.update({"decoder.6.bias": torch.zeros(784, dtype=torch.float64)}), "float64"),
    (lambda t: t["encoder.0.weight"].__setitem__((3, 4), float("nan")), "NaN"),
    (lambda t: t["encoder.0.weight"].__setitem__((3, 4), float("inf")), "infinite"),
])
def test_bad_weights_are_refused(tmp_path, mutate, message):
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(_edit(tmp_path, mutate))


def test_malformed_files_are_refused(tmp_path):
    _, path = saved(tmp_path)
    blob = path.read_bytes()
    cases = {
        "too short": blob[:5],
        "truncated": blob[: len(blob) // 2],
        "claims": struct.pack("<Q", len(blob) * 10) + blob[8:],
        "not valid JSON": struct.pack("<Q", 4) + b"{{{{" + blob[12:],
        "metadata": _edit(tmp_path, lambda t: None).replace(b"vae-dashboard/1", b"something-else!"),
    }
    for expected, data in cases.items():
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(data)
        assert expected in str(info.value) or expected == "truncated", (expected, info.value)
    with pytest.raises(CheckpointError, match="larger than"):
        load_checkpoint(blob + b" " * MAX_BYTES)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "absent.safetensors")


def test_bad_config_in_metadata_is_refused(tmp_path):
    blob = _edit(tmp_path, lambda t: None).replace(b'\\"likelihood\\": \\"bce\\"', b'\\"likelihood\\": \\"xyz\\"')
    with pytest.raises(CheckpointError, match="likelihood"):
        load_checkpoint(blob)


def test_names_are_confined_to_the_checkpoint_folder(tmp_path):
    assert checkpoint_path("bce", tmp_path) == tmp_path.resolve() / "bce.safetensors"
    assert checkpoint_path("bce.safetensors", tmp_path) == tmp_path.resolve() / "bce.safetensors"
    assert checkpoint_path(tmp_path / "x.safetensors", tmp_path) == tmp_path.resolve() / "x.safetensors"
    for bad in ["../evil", "/etc/passwd", "a/../../b", "", ".hidden", "name with spaces", "x" * 65,
                "/tmp/elsewhere/ok.safetensors"]:
        with pytest.raises(CheckpointError):
            checkpoint_path(bad, tmp_path)


def test_a_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    model, path = saved(tmp_path)
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_checkpoint(path, build_model(VAEConfig(), 99), TrainConfig())
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_a_killed_writer_never_corrupts_the_file(tmp_path):
    """A process saving in a loop is killed at arbitrary moments; the file always loads."""
    _, path = saved(tmp_path)
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(os.getcwd())!r})
        from vae.serve.checkpoint import save_checkpoint
        from vae.config import TrainConfig, VAEConfig
        from vae.trainer import build_model
        print("ready", flush=True)
        i = 0
        while True:
            i += 1
            save_checkpoint({str(path)!r}, build_model(VAEConfig(latent_dim=2 + i % 5), i), TrainConfig(seed=i))
    """)
    for delay in (0.05, 0.13, 0.31):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.kill()
        proc.wait()
        load_checkpoint(path)
