"""Datasets read from a folder in torchvision's layout, for the command line (`python -m vae.train --data-root`).

torchvision is imported here and only here, inside the functions: importing it costs about 2.7 s, and the app
never needs it. Nothing is downloaded: the folder must hold the four IDX files, uncompressed, where
torchvision.datasets looks for them (`<root>/<class name>/raw/`).
"""
import hashlib
from pathlib import Path

import numpy as np

from vae.data import DataError, ImageSet, from_arrays
from vae.datasets import dataset

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def raw_folder(root, name: str) -> Path:
    return Path(root) / dataset(name).torchvision / "raw"


def arrays_sha256(arrays: dict) -> str:
    """A checksum of the data itself (pixels and labels as uint8), the same for the same images in any file."""
    digest = hashlib.sha256()
    for key in ("x_train", "y_train", "x_test", "y_test"):
        digest.update(key.encode() + np.ascontiguousarray(arrays[key], dtype=np.uint8).tobytes())
    return digest.hexdigest()


def load_folder(name: str, root) -> ImageSet:
    """Dataset `name` from `root` through torchvision.datasets (download=False), checked before torchvision sees it."""
    info, raw = dataset(name), raw_folder(root, name)
    missing = [f for f in IDX_FILES if not (raw / f).is_file()]
    if missing:
        raise DataError(f"{info.title} is not in {Path(root)}: torchvision.datasets.{info.torchvision} reads "
                        f"{', '.join(IDX_FILES)} (uncompressed) from {raw}/, and {', '.join(missing)} "
                        f"{'is' if len(missing) == 1 else 'are'} missing there.")
    from torchvision import datasets  # noqa: PLC0415 - kept off every import path but this one

    reader = getattr(datasets, info.torchvision)
    arrays = {}
    for split, train in (("train", True), ("test", False)):
        try:
            part = reader(root=str(root), train=train, download=False)
        except (RuntimeError, ValueError, OSError, AssertionError) as exc:
            raise DataError(f"{raw}: the {split} IDX files cannot be read ({str(exc)[:200]}).") from exc
        x, y = part.data.numpy(), part.targets.numpy()
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y) or not len(x):
            raise DataError(f"{raw}: the {split} images are {tuple(x.shape)} with {len(y)} labels; "
                            "expected N 28x28 images and N labels.")
        if y.min() < 0 or y.max() >= len(info.classes):
            raise DataError(f"{raw}: the {split} labels run outside 0-{len(info.classes) - 1}.")
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x.astype("uint8"), y
    return from_arrays(arrays, arrays_sha256(arrays), name)


def write_samples(path, model, x_test, count: int = 16, seed: int = 0, y_test=None):
    """A PNG sheet: `count` test images over their reconstructions (rows 1-2), then 2 rows of prior samples.
    A conditional model reconstructs with the test labels `y_test` and draws its samples as classes 0, 1, ..., 9, 0."""
    import torch
    from torchvision.utils import save_image  # noqa: PLC0415

    from vae.model import one_hot  # noqa: PLC0415

    y, y_prior = None, None
    if model.config.conditional:
        y, y_prior = one_hot(y_test[:count]), one_hot(torch.arange(2 * count) % 10)
    with torch.no_grad():
        x = x_test[:count].reshape(-1, 28, 28)
        recon = model.decode_images(model.encode(x_test[:count], y)[0], y)
        z = torch.randn(2 * count, model.config.latent_dim, generator=torch.Generator().manual_seed(seed))
        prior = model.decode_images(z, y_prior)
    sheet = torch.cat([x, recon, prior]).unsqueeze(1)  # (N, 1, 28, 28): one grey channel
    save_image(sheet, str(path), nrow=count, padding=2, pad_value=0.5)
    return Path(path)
