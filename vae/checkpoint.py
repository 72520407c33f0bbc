"""Checkpoints as safetensors files: weights plus JSON metadata (configs, metrics, data checksum).

Loading never unpickles anything. Every file is treated as untrusted: the header is parsed and bounded
before safetensors sees it, and keys, shapes, dtypes and finiteness are checked against the model that
the stored config describes. Writes go to a temporary file that is renamed into place, so a crash
mid-save leaves the previous file intact.
"""
import json
import os
import re
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from vae.config import TrainConfig, VAEConfig, from_dict, to_dict
from vae.model import VAE

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"
FORMAT = "vae-dashboard/1"
MAX_BYTES = 20 * 1024 * 1024  # the model of record is 1.4 MB; even latent 20 stays far below this
MAX_HEADER = 1024 * 1024
MAX_LAYERS = 64  # hidden layers in encoder and decoder together
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message says why in plain words."""


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


def save_checkpoint(path, model: VAE, train_config: TrainConfig, metrics=None, history=(), data_sha256=""):
    """Write atomically: temporary file in the same folder, fsync, then rename over `path`."""
    path = Path(path)
    meta = {"format": FORMAT, "config": json.dumps(to_dict(model.config)),
            "train_config": json.dumps(to_dict(train_config)), "metrics": json.dumps(metrics or {}),
            "history": json.dumps(list(history)), "data_sha256": data_sha256}
    tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    blob = st_save(tensors, metadata=meta)
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


def _header(blob: bytes) -> dict:
    if len(blob) < 8:
        raise CheckpointError("the file is too short to be a safetensors checkpoint.")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        if blob[:2] == b"PK":
            raise CheckpointError("this is a PyTorch zip file (torch.save), which can run code when loaded. Convert "
                                  "it on your own machine: `from safetensors.torch import save_file; save_file("
                                  "torch.load(path, weights_only=True), 'model.safetensors')`.")
        if blob[:1] == b"\x80":
            raise CheckpointError("this is a Python pickle, which can run code when loaded; it was not opened. "
                                  "Only .safetensors checkpoints are accepted.")
        raise CheckpointError(f"not a safetensors file, or a truncated one: its length field claims a {n}-byte "
                              f"header, but only {len(blob) - 8} bytes follow that field.")
    if n > MAX_HEADER:
        raise CheckpointError(f"the safetensors header is {n} bytes long; at most {MAX_HEADER} are accepted.")
    try:
        header = json.loads(blob[8:8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"the safetensors header is not valid JSON ({exc}).") from exc
    if not isinstance(header, dict):
        raise CheckpointError("the safetensors header is not a JSON object.")
    _check_extent(header, len(blob) - 8 - n)
    return header


def _check_extent(header: dict, available: int):
    """A file cut short keeps a readable header; say plainly that weights are missing rather than pass on
    safetensors' own "incomplete metadata" wording."""
    try:
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise CheckpointError("the safetensors header does not list its tensors properly.") from exc
    if end > available:
        raise CheckpointError(f"the file is truncated: its header describes {end} bytes of weights, but only "
                              f"{available} follow it.")
    if end < available:
        raise CheckpointError(f"the file has {available - end} unexplained bytes after its weights.")


def _metadata(header: dict) -> dict:
    meta = header.get("__metadata__") or {}
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"this safetensors file has no '{FORMAT}' metadata, so the model it holds is unknown.")
    try:
        parsed = {key: json.loads(meta.get(key) or default) for key, default in
                  (("config", "{}"), ("train_config", "{}"), ("metrics", "{}"), ("history", "[]"))}
        parsed["config"] = from_dict(VAEConfig, parsed["config"])
        parsed["train_config"] = from_dict(TrainConfig, parsed["train_config"])
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's metadata is invalid: {exc}") from exc
    # pages format metrics with :.2f and read history rows as dicts; anything else would crash them later
    if not isinstance(parsed["metrics"], dict) or not all(
            isinstance(v, (int, float)) for v in parsed["metrics"].values()):
        raise CheckpointError("the checkpoint's metrics must be a JSON object of numbers.")
    if not isinstance(parsed["history"], list) or not all(isinstance(row, dict) for row in parsed["history"]):
        raise CheckpointError("the checkpoint's history must be a JSON list of objects.")
    parsed["data_sha256"] = str(meta.get("data_sha256", ""))
    return parsed


def _shapes(config: VAEConfig) -> dict:
    """The state dict the config describes, on the meta device: no memory is allocated, so a hostile config
    (hidden layers of 10^7 units) is caught by the shape check instead of filling the server's RAM."""
    if len(config.encoder_hidden) + len(config.decoder_hidden) > MAX_LAYERS:
        raise CheckpointError(f"the checkpoint's config describes more than {MAX_LAYERS} hidden layers.")
    sizes = (*config.encoder_hidden, *config.decoder_hidden, config.head_hidden, config.latent_dim)
    if not config.encoder_hidden or not all(isinstance(n, int) and n >= 1 for n in sizes):
        raise CheckpointError("the checkpoint's config needs at least one encoder layer, and every layer size "
                              "must be a whole number of at least 1.")
    try:
        with torch.device("meta"):
            return VAE(config).state_dict()
    except (TypeError, ValueError, IndexError, RuntimeError) as exc:
        raise CheckpointError(f"the checkpoint's config does not describe a model that can be built: {exc}") from exc


def _check_tensors(tensors: dict, expected: dict):
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        raise CheckpointError(f"the weights do not match the model: missing {missing[:5]}, unexpected {extra[:5]}.")
    for key, ref in expected.items():
        t = tensors[key]
        if t.shape != ref.shape or t.dtype != ref.dtype:
            raise CheckpointError(f"{key} is {t.dtype} {tuple(t.shape)}; the model needs {ref.dtype} {tuple(ref.shape)}.")
        if not torch.isfinite(t).all():
            raise CheckpointError(f"{key} contains NaN or infinite values.")


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
    meta = _metadata(_header(blob))
    try:
        tensors = st_load(blob)
    except Exception as exc:  # safetensors raises its own error types for malformed files
        raise CheckpointError(f"the safetensors data is malformed: {exc}") from exc
    _check_tensors(tensors, _shapes(meta["config"]))
    model = VAE(meta["config"])  # now known to be no larger than the file
    model.load_state_dict(tensors)
    model.eval()
    return Checkpoint(model, meta["train_config"], meta["metrics"], tuple(meta["history"]), meta["data_sha256"])


def list_checkpoints(root=CHECKPOINT_DIR) -> list[str]:
    return sorted(p.stem for p in Path(root).glob("*.safetensors") if NAME_RE.fullmatch(p.stem))
