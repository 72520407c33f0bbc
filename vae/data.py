"""A dataset from the project's own copy in `data/` (MNIST, Fashion-MNIST), held as whole float tensors so batches
are plain slices. Folders in torchvision's layout are read by `vae.serve.folders`, for the command line only."""
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vae.datasets import dataset

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_PATH = DATA_DIR / "mnist.npz"
EXPECTED = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}


class DataError(RuntimeError):
    """The dataset's file is missing, unreadable or not the expected arrays."""


@dataclass(frozen=True)
class ImageSet:
    x_train: torch.Tensor  # (60000, 784) float32 in [0, 1]
    y_train: torch.Tensor  # (60000,) int64
    x_test: torch.Tensor  # (10000, 784)
    y_test: torch.Tensor  # (10000,)
    sha256: str  # of the npz file; for a folder, of its four arrays' bytes (vae.serve.folders)
    dataset: str = "mnist"  # a name in vae.datasets.DATASETS


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_arrays(path: Path) -> dict:
    """The four uint8 arrays of a dataset's .npz file, checked; DataError if the file is not what it should be."""
    if not path.is_file():
        raise DataError(f"dataset file not found at {path}. It ships with the project as data/{path.name}; "
                        f"restore it with `git checkout data/{path.name}`.")
    try:
        # allow_pickle=False: an .npz holding object arrays is refused instead of unpickled.
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in EXPECTED if key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path} is not a readable .npz file ({exc}); restore it with "
                        f"`git checkout data/{path.name}`.") from exc
    missing = [key for key in EXPECTED if key not in arrays]
    if missing:
        raise DataError(f"{path} has no array {missing[0]!r}; expected keys {sorted(EXPECTED)}.")
    for key, shape in EXPECTED.items():
        if arrays[key].shape != shape or arrays[key].dtype != np.uint8:
            raise DataError(f"{path}: {key} is {arrays[key].dtype}{arrays[key].shape}, expected uint8{shape}.")
    return arrays


def from_arrays(arrays: dict, sha256: str, name: str) -> ImageSet:
    """uint8 images (N, 28, 28) and labels -> pixels scaled to [0, 1] as float32, flattened to 784; int64 labels."""
    def pixels(a):
        return torch.from_numpy(a.reshape(a.shape[0], -1).astype(np.float32) / 255.0)

    return ImageSet(pixels(arrays["x_train"]), torch.from_numpy(arrays["y_train"].astype(np.int64)),
                    pixels(arrays["x_test"]), torch.from_numpy(arrays["y_test"].astype(np.int64)), sha256, name)


def load_dataset(name: str = "mnist", path=None) -> ImageSet:
    """The shipped copy of dataset `name` (or the npz file at `path`, holding that dataset)."""
    info = dataset(name)
    if path is None:
        if info.npz is None:
            raise DataError(f"{info.title} does not ship with the project; train on it from a torchvision folder "
                            f"with `python -m vae.train --dataset {name} --data-root DIR`.")
        path = DATA_DIR / info.npz
    path = Path(path)
    return from_arrays(read_arrays(path), file_sha256(path), name)


def binarize(x, generator=None):
    """Dynamic binarization: each pixel becomes 1 with probability equal to its grey level."""
    return torch.bernoulli(x, generator=generator)
