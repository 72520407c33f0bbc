"""`python -m vae.train --data-root`: datasets in torchvision's folder layout, read through torchvision.datasets with
download=False, and the sample sheet of `--samples`. The folders are built here: a few hundred real images,
IDX-encoded as the datasets' own files are (big-endian header, then uint8 pixels)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vae.data import DATA_DIR, DataError
from vae.serve.checkpoint import load_checkpoint
from vae.serve.folders import IDX_FILES, arrays_sha256, load_folder, raw_folder

ROOT = Path(__file__).resolve().parent.parent
N_TRAIN, N_TEST = 300, 40


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX format: two zero bytes, the type code (0x08: unsigned byte), the number of dimensions, each dimension
    as a big-endian int32, then the data."""
    head = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return head + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def subset(npz: str) -> dict:
    with np.load(DATA_DIR / npz) as f:
        return {"x_train": f["x_train"][:N_TRAIN], "y_train": f["y_train"][:N_TRAIN],
                "x_test": f["x_test"][:N_TEST], "y_test": f["y_test"][:N_TEST]}


def idx_folder(root: Path, dataset: str, arrays: dict) -> Path:
    raw = raw_folder(root, dataset)
    raw.mkdir(parents=True)
    for name, key in zip(IDX_FILES, ("x_train", "y_train", "x_test", "y_test")):
        (raw / name).write_bytes(idx_bytes(arrays[key]))
    return root


def cli(*args):
    return subprocess.run([sys.executable, "-m", "vae.train", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_a_folder_reads_as_the_same_images_as_the_npz(tmp_path):
    arrays = subset("fashion-mnist.npz")
    data = load_folder("fashion-mnist", idx_folder(tmp_path, "fashion-mnist", arrays))
    assert data.dataset == "fashion-mnist" and data.sha256 == arrays_sha256(arrays)
    assert data.x_train.shape == (N_TRAIN, 784) and data.x_test.shape == (N_TEST, 784)
    assert np.array_equal(np.rint(data.x_test.numpy() * 255).reshape(-1, 28, 28), arrays["x_test"])
    assert data.y_train.tolist() == arrays["y_train"].tolist()


def test_the_cli_trains_on_a_folder_and_writes_a_sample_sheet(tmp_path):
    arrays = subset("fashion-mnist.npz")
    idx_folder(tmp_path / "data", "fashion-mnist", arrays)
    sheet = tmp_path / "sheet.png"
    result = cli("--dataset", "fashion-mnist", "--data-root", str(tmp_path / "data"), "--epochs", "1",
                 "--batch-size", "32", "--samples", str(sheet), "--out", "tiny", "--checkpoint-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    ckpt = load_checkpoint(tmp_path / "tiny.safetensors")
    assert ckpt.train_config.dataset == "fashion-mnist" and ckpt.data_sha256 == arrays_sha256(arrays)
    # 16 columns of 28-pixel tiles with 2-pixel gaps: test images, their reconstructions, two rows of prior samples
    image = np.asarray(Image.open(sheet).convert("L"), dtype=np.int16)
    assert image.shape == (4 * 30 + 2, 16 * 30 + 2)
    for col in range(16):
        tile = image[2:30, 2 + 30 * col:30 + 30 * col]
        assert np.abs(tile - arrays["x_test"][col]).max() <= 1  # row 1 is the test images themselves
    recon = image[32:60, 2:30]
    assert 0 < recon.std() and not np.array_equal(recon, image[2:30, 2:30])


def test_kmnist_from_its_folder(tmp_path):
    # Kuzushiji-MNIST does not ship; any 28x28 images in its layout exercise the reader (here MNIST digits)
    root = idx_folder(tmp_path, "kmnist", subset("mnist.npz"))
    result = cli("--dataset", "kmnist", "--data-root", str(root), "--epochs", "1", "--out", "k",
                 "--checkpoint-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert load_checkpoint(tmp_path / "k.safetensors").train_config.dataset == "kmnist"


def test_a_missing_folder_names_the_files_and_where(tmp_path):
    result = cli("--dataset", "fashion-mnist", "--data-root", str(tmp_path), "--epochs", "1", "--out", "x",
                 "--checkpoint-dir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(tmp_path / "FashionMNIST" / "raw") in result.stderr
    assert all(name in result.stderr for name in IDX_FILES)
    assert not (tmp_path / "x.safetensors").exists()


def test_a_partial_folder_names_what_is_missing(tmp_path):
    idx_folder(tmp_path, "mnist", subset("mnist.npz"))
    (raw_folder(tmp_path, "mnist") / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte is missing there"):
        load_folder("mnist", tmp_path)


def test_a_damaged_file_is_a_clear_error(tmp_path):
    idx_folder(tmp_path, "mnist", subset("mnist.npz"))
    images = raw_folder(tmp_path, "mnist") / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])  # cut short: fewer pixels than its header promises
    with pytest.raises(DataError, match="the train IDX files cannot be read"):  # the CLI prints it as the others
        load_folder("mnist", tmp_path)
