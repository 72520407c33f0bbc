"""The checks a checkpoint file passes before anything of it is used: it may come from anyone (an upload).

Nothing here unpickles or allocates what the file asks for: the header's length and JSON are bounded first, the
metadata must parse into our configs, and the state dict the config describes is built on PyTorch's meta device
and compared, key by key, with the tensors the file holds.
"""
import json
import struct

import torch

from vae.config import TrainConfig, VAEConfig, from_dict
from vae.model import VAE

FORMAT = "vae-dashboard/1"
MAX_HEADER = 1024 * 1024
MAX_LAYERS = 64  # hidden layers in encoder and decoder together


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message says why in plain words."""


def read_header(blob: bytes) -> dict:
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


def read_metadata(header: dict) -> dict:
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


def shapes(config: VAEConfig) -> dict:
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


def check_tensors(tensors: dict, expected: dict):
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        raise CheckpointError(f"the weights do not match the model: missing {missing[:5]}, unexpected {extra[:5]}.")
    for key, ref in expected.items():
        t = tensors[key]
        if t.shape != ref.shape or t.dtype != ref.dtype:
            raise CheckpointError(f"{key} is {t.dtype} {tuple(t.shape)}; the model needs {ref.dtype} {tuple(ref.shape)}.")
        if not torch.isfinite(t).all():
            raise CheckpointError(f"{key} contains NaN or infinite values.")
