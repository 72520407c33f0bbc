"""The checks a checkpoint file passes before anything of it is used: it may come from anyone (an upload).

Nothing here unpickles or allocates what the file asks for. The header's length is bounded, its JSON parsed with
duplicate keys refused and its nesting bounded by the parser's recursion limit, and its structure checked against
the safetensors layout; the metadata must parse into our configs, whose own checks bound every field; and the state
dict the config describes is built on PyTorch's meta device and compared, key by key, with the tensors in the file.
"""
import json
import struct

import torch

from vae.config import TrainConfig, VAEConfig, from_dict
from vae.datasets import DATASETS
from vae.model import VAE
from vae.serve.untrusted import UntrustedInputError, finite_number

FORMAT = "vae-dashboard/1"
MAX_HEADER = 1024 * 1024
LISTED = "the safetensors header does not list its tensors properly"


class CheckpointError(UntrustedInputError):
    """A checkpoint that cannot be used; the message says why in plain words."""


def _unique(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) < len(keys):
        raise CheckpointError(f"the checkpoint's JSON names {next(k for k in keys if keys.count(k) > 1)!r:.60} twice.")
    return dict(pairs)


def parse_json(text, what: str):
    """JSON text -> a value; anything malformed, nested too deep or with a duplicated key -> CheckpointError."""
    try:
        return json.loads(text, object_pairs_hook=_unique)
    except RecursionError as exc:
        raise CheckpointError(f"{what} nests too deeply to be a checkpoint of this app.") from exc
    except (UnicodeDecodeError, ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise CheckpointError(f"{what} is not valid JSON ({str(exc)[:80]}).") from exc


def read_header(blob: bytes) -> dict:
    if len(blob) < 8:
        raise CheckpointError("the file is too short to be a safetensors checkpoint.")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        if blob[:2] == b"PK":
            raise CheckpointError("this is a PyTorch zip file (torch.save), which can run code when loaded. Convert "
                                  "it on your own machine: `from safetensors.torch import save_file; save_file("
                                  "torch.load(path, weights_only=True), 'model.safetensors')`.")
        if blob[:1] == b"\x80" and 2 <= blob[1] <= 5:  # a pickle's PROTO opcode and protocol 2 to 5
            raise CheckpointError("this is a Python pickle, which can run code when loaded; it was not opened. "
                                  "Only .safetensors checkpoints are accepted.")
        raise CheckpointError(f"not a safetensors file, or a truncated one: its length field claims a {n}-byte "
                              f"header, but only {len(blob) - 8} bytes follow that field.")
    if n > MAX_HEADER:
        raise CheckpointError(f"the safetensors header is {n} bytes long; at most {MAX_HEADER} are accepted.")
    header = parse_json(blob[8:8 + n], "the safetensors header")
    if not isinstance(header, dict):
        raise CheckpointError("the safetensors header is not a JSON object.")
    _check_extent(header, len(blob) - 8 - n)
    return header


def _whole(value, lo=0, hi=2**48) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def _check_entry(name: str, entry) -> int:
    """One tensor's entry, {"dtype": str, "shape": [ints], "data_offsets": [begin, end]}; returns its end."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(f"{LISTED}: {name!r:.60} is not a tensor entry.")
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(entry["dtype"], str) or not isinstance(shape, list) or len(shape) > 8 \
            or not all(_whole(d) for d in shape):
        raise CheckpointError(f"{LISTED}: {name!r:.60} has no proper dtype and shape.")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_whole(o) for o in offsets) \
            or offsets[0] > offsets[1]:
        raise CheckpointError(f"{LISTED}: {name!r:.60} has no proper data offsets.")
    return offsets[1]


def _check_extent(header: dict, available: int):
    """A file cut short keeps a readable header; say plainly that weights are missing rather than pass on
    safetensors' own "incomplete metadata" wording."""
    end = max((_check_entry(k, v) for k, v in header.items() if k != "__metadata__"), default=0)
    if end > available:
        raise CheckpointError(f"the file is truncated: its header describes {end} bytes of weights, but only "
                              f"{available} follow it.")
    if end < available:
        raise CheckpointError(f"the file has {available - end} unexplained bytes after its weights.")


def read_metadata(header: dict) -> dict:
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise CheckpointError("the safetensors metadata must map names to text, as the format prescribes.")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"this safetensors file has no '{FORMAT}' metadata, so the model it holds is unknown.")
    parsed = {key: parse_json(meta.get(key) or default, f"the checkpoint's {key}") for key, default in
              (("config", "{}"), ("train_config", "{}"), ("metrics", "{}"), ("history", "[]"))}
    named = parsed["train_config"].get("dataset", "mnist") if isinstance(parsed["train_config"], dict) else "mnist"
    if not isinstance(named, str) or named not in DATASETS:  # the name itself is never echoed: it is the file's
        raise CheckpointError("this checkpoint was trained on a dataset this app does not know; it knows "
                              + ", ".join(d.title for d in DATASETS.values()) + ".")
    try:
        parsed["config"] = from_dict(VAEConfig, parsed["config"])
        parsed["train_config"] = from_dict(TrainConfig, parsed["train_config"])
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's configuration is invalid: {str(exc)[:200]}") from exc
    # pages format metrics with :.2f and read history rows as dicts; anything else would crash them later
    if not isinstance(parsed["metrics"], dict) or not all(finite_number(v) for v in parsed["metrics"].values()):
        raise CheckpointError("the checkpoint's metrics must be a JSON object of finite numbers.")
    if not isinstance(parsed["history"], list) or not all(isinstance(row, dict) for row in parsed["history"]):
        raise CheckpointError("the checkpoint's history must be a JSON list of objects.")
    parsed["data_sha256"] = meta.get("data_sha256", "")[:128]
    return parsed


def shapes(config: VAEConfig) -> dict:
    """The state dict the config describes, on the meta device: no memory is allocated, so a config of huge layers
    (VAEConfig bounds each at MAX_UNITS) is refused by the shape check instead of filling the server's RAM."""
    with torch.device("meta"):
        return VAE(config).state_dict()


def check_tensors(tensors: dict, expected: dict):
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        extra = [name[:40] for name in extra[:5]]  # names from the file: any length
        raise CheckpointError(f"the weights do not match the model: missing {missing[:5]}, unexpected {extra}.")
    for key, ref in expected.items():
        t = tensors[key]
        if t.shape != ref.shape or t.dtype != ref.dtype:
            raise CheckpointError(f"{key} is {t.dtype} {tuple(t.shape)}; the model needs {ref.dtype} {tuple(ref.shape)}.")
        if not torch.isfinite(t).all():
            raise CheckpointError(f"{key} contains NaN or infinite values.")
