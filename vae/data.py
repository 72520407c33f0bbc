"""MNIST from the project's own `data/mnist.npz`, held as whole float tensors so batches are plain slices."""
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "mnist.npz"
EXPECTED = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}


class DataError(RuntimeError):
    """The MNIST file is missing, unreadable or not the expected arrays."""


@dataclass(frozen=True)
class MNIST:
    x_train: torch.Tensor  # (60000, 784) float32 in [0, 1]
    y_train: torch.Tensor  # (60000,) int64
    x_test: torch.Tensor  # (10000, 784)
    y_test: torch.Tensor  # (10000,)
    sha256: str


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_arrays(path: Path) -> dict:
    if not path.is_file():
        raise DataError(f"MNIST file not found at {path}. It ships with the project as data/mnist.npz; "
                        "restore it with `git checkout data/mnist.npz`.")
    try:
        # allow_pickle=False: an .npz holding object arrays is refused instead of unpickled.
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in EXPECTED if key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path} is not a readable .npz file ({exc}); restore it with "
                        "`git checkout data/mnist.npz`.") from exc
    missing = [key for key in EXPECTED if key not in arrays]
    if missing:
        raise DataError(f"{path} has no array {missing[0]!r}; expected keys {sorted(EXPECTED)}.")
    for key, shape in EXPECTED.items():
        if arrays[key].shape != shape or arrays[key].dtype != np.uint8:
            raise DataError(f"{path}: {key} is {arrays[key].dtype}{arrays[key].shape}, expected uint8{shape}.")
    return arrays


def load_mnist(path=DEFAULT_PATH) -> MNIST:
    """Pixels scaled to [0, 1] as float32, flattened to 784; labels as int64."""
    path = Path(path)
    arrays = _read_arrays(path)

    def pixels(a):
        return torch.from_numpy(a.reshape(a.shape[0], -1).astype(np.float32) / 255.0)

    return MNIST(pixels(arrays["x_train"]), torch.from_numpy(arrays["y_train"].astype(np.int64)),
                 pixels(arrays["x_test"]), torch.from_numpy(arrays["y_test"].astype(np.int64)),
                 file_sha256(path))


def binarize(x, generator=None):
    """Dynamic binarization: each pixel becomes 1 with probability equal to its grey level."""
    return torch.bernoulli(x, generator=generator)
