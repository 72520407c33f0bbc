"""The shipped MNIST copy, and clear errors when it is missing or damaged."""
import numpy as np
import pytest

from vae.data import DEFAULT_PATH, DataError, file_sha256, load_dataset

SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"


def test_shipped_copy_is_the_original_mnist(mnist):
    assert mnist.sha256 == file_sha256(DEFAULT_PATH) == SHA256
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.x_train.min() == 0 and mnist.x_train.max() == 1
    assert np.bincount(mnist.y_train.numpy()).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(mnist.y_test.numpy()).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert mnist.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert round(mnist.x_train.mean().item() * 255, 2) == 33.32


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found.*git checkout data/mnist.npz"):
        load_dataset("mnist", tmp_path / "mnist.npz")


def test_corrupt_file(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(DEFAULT_PATH.read_bytes()[:100_000])
    with pytest.raises(DataError, match="not a readable"):
        load_dataset("mnist", bad)


def test_wrong_arrays(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((10, 28, 28), np.uint8), y_train=np.zeros(10, np.uint8),
             x_test=np.zeros((10000, 28, 28), np.uint8), y_test=np.zeros(10000, np.uint8))
    with pytest.raises(DataError, match=r"x_train is uint8\(10, 28, 28\)"):
        load_dataset("mnist", path)
    np.savez(path, x_train=np.zeros((10, 28, 28), np.uint8))
    with pytest.raises(DataError, match="no array 'y_train'"):
        load_dataset("mnist", path)


def test_object_arrays_are_not_unpickled(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.array([object()], dtype=object))
    with pytest.raises(DataError):
        load_dataset("mnist", path)
