"""checkpoints/gap.json: the ELBO's gap split (vae.gap) averaged over test images for each shipped 2-D VAE, computed
ahead by scripts/gap_table.py, because it takes minutes a checkpoint. An entry names the sha256 of the weights and of
the data it was computed on, and is shown only while both still match."""
import fcntl
import hashlib
import json
import tempfile
from pathlib import Path

from vae.serve.checkpoint import CHECKPOINT_DIR

GAP_FILE = CHECKPOINT_DIR / "gap.json"
LADDER_FILE = CHECKPOINT_DIR / "ladder_gap.json"  # the Latent size page's gap beyond 2-D (scripts/ladder_gap.py)


def weights_sha256(model) -> str:
    """The sha256 of the weights alone (names, shapes and bytes in order): unchanged by a re-save of the metadata."""
    h = hashlib.sha256()
    for key, value in sorted(model.state_dict().items()):
        h.update(key.encode() + str(tuple(value.shape)).encode() + value.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def read_table(path: Path = GAP_FILE) -> dict:
    """name -> entry ({} when there is no file)."""
    return json.loads(path.read_text()) if path.exists() else {}


def current(entry: dict, model, data_sha256: str) -> bool:
    """Whether an entry was computed on these weights and this data."""
    return entry.get("weights_sha256") == weights_sha256(model) and entry.get("data_sha256") == data_sha256


def store(name: str, value: dict, path: Path = GAP_FILE) -> None:
    """Set one checkpoint's entry, under a lock, so several runs of the script can share the file."""
    with open(Path(tempfile.gettempdir()) / "vae-gap-json.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = read_table(path)
        table[name] = value
        path.write_text(json.dumps(dict(sorted(table.items())), indent=1) + "\n")
