"""Checkpoints as safetensors files: weights plus JSON metadata (configs, metrics, data checksum).

Loading never unpickles anything. Every file is treated as untrusted (vae/serve/checkpoint_checks.py): the header
is parsed and bounded before safetensors sees it, and keys, shapes, dtypes and finiteness are checked against
the model that the stored config describes. Writes go to a temporary file that is renamed into place, so a crash
mid-save leaves the previous file intact.
"""
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from vae.serve.checkpoint_checks import FORMAT, CheckpointError, check_tensors, read_header, read_metadata, shapes
from vae.config import TrainConfig, VAEConfig, to_dict
from vae.model import VAE
from vae.serve.untrusted import reader

__all__ = ["CHECKPOINT_DIR", "MAX_BYTES", "Checkpoint", "CheckpointError", "checkpoint_bytes", "checkpoint_path",
           "list_checkpoints", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_DIR = Path(__file__).resolve().parents[2] / "checkpoints"
MAX_BYTES = 20 * 1024 * 1024  # the model of record is 1.4 MB; even latent 20 stays far below this
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Checkpoint:
    model: VAE
    train_config: TrainConfig
    metrics: dict = field(default_factory=dict)
    history: tuple = ()
    data_sha256: str = ""

    @property
    def config(self) -> VAEConfig:
        return self.model.config


def checkpoint_path(name, root=CHECKPOINT_DIR) -> Path:
    """`name`, `name.safetensors` or `<root>/name.safetensors` -> a path inside root; anything else is refused."""
    root = Path(root).resolve()
    raw = Path(str(name))
    stem = raw.name[:-len(".safetensors")] if raw.name.endswith(".safetensors") else raw.name
    if not NAME_RE.fullmatch(stem):
        raise CheckpointError(f"{stem!r} is not a valid checkpoint name: use 1-64 letters, digits, '-' or '_'.")
    path = (root / f"{stem}.safetensors").resolve()
    if raw.parent != Path(".") and (raw.parent if raw.is_absolute() else Path.cwd() / raw.parent).resolve() != root:
        raise CheckpointError(f"checkpoints live in {root}; refusing to write to {raw.parent}.")
    return path


def checkpoint_bytes(model: VAE, train_config: TrainConfig, metrics=None, history=(), data_sha256="") -> bytes:
    """The .safetensors file of a model: its weights, and its configs, metrics and history as metadata."""
    meta = {"format": FORMAT, "config": json.dumps(to_dict(model.config)),
            "train_config": json.dumps(to_dict(train_config)), "metrics": json.dumps(metrics or {}),
            "history": json.dumps(list(history)), "data_sha256": data_sha256}
    tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    return st_save(tensors, metadata=meta)


def save_checkpoint(path, model: VAE, train_config: TrainConfig, metrics=None, history=(), data_sha256=""):
    """Write atomically: temporary file in the same folder, fsync, then rename over `path`."""
    path = Path(path)
    blob = checkpoint_bytes(model, train_config, metrics, history, data_sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


@reader(CheckpointError, "this checkpoint")
def load_checkpoint(source) -> Checkpoint:
    """source: a path or the file's bytes. Returns the model in eval mode, or raises CheckpointError."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        blob = bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise CheckpointError(f"no checkpoint at {path}.")
        if path.stat().st_size > MAX_BYTES:
            raise CheckpointError(f"{path.name} is larger than {MAX_BYTES // 2**20} MB; it is not one of these models.")
        blob = path.read_bytes()
    if len(blob) > MAX_BYTES:
        raise CheckpointError(f"the file is larger than {MAX_BYTES // 2**20} MB; it is not one of these models.")
    meta = read_metadata(read_header(blob))
    try:
        tensors = st_load(blob)
    except Exception as exc:  # safetensors raises its own error types for malformed files
        raise CheckpointError(f"the safetensors data is malformed: {str(exc)[:200]}") from exc
    check_tensors(tensors, shapes(meta["config"]))
    model = VAE(meta["config"])  # now known to be no larger than the file
    model.load_state_dict(tensors)
    model.eval()
    return Checkpoint(model, meta["train_config"], meta["metrics"], tuple(meta["history"]), meta["data_sha256"])


def list_checkpoints(root=CHECKPOINT_DIR) -> list[str]:
    return sorted(p.stem for p in Path(root).glob("*.safetensors") if NAME_RE.fullmatch(p.stem))
