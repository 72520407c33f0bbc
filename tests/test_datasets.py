"""The dataset is part of a model's identity: the shipped Fashion-MNIST copy, the dataset field of every
checkpoint, and a checkpoint of a dataset the app cannot show being refused with the names of those it can."""
import json

import numpy as np
import pytest
import torch
from safetensors.torch import load, save

from ui.upload import read_upload
from vae.config import TrainConfig, VAEConfig
from vae.data import DATA_DIR, DataError, file_sha256, load_dataset
from vae.datasets import DATASETS, SHIPPED
from vae.model import VAE
from vae.serve.checkpoint import CheckpointError, load_checkpoint, save_checkpoint


@pytest.fixture(scope="module")
def fashion():
    return load_dataset("fashion-mnist")


def test_shipped_fashion_mnist_is_the_verified_copy(fashion):
    # the checks ../shared/README.md lists for this copy, computed here from the arrays
    assert fashion.sha256 == file_sha256(DATA_DIR / "fashion-mnist.npz") == DATASETS["fashion-mnist"].sha256
    assert fashion.dataset == "fashion-mnist"
    assert np.bincount(fashion.y_train.numpy()).tolist() == [6000] * 10
    assert np.bincount(fashion.y_test.numpy()).tolist() == [1000] * 10
    assert fashion.y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert fashion.y_test[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert round(fashion.x_train.mean().item() * 255, 2) == 72.94
    assert round(fashion.x_test.mean().item() * 255, 2) == 73.15


def test_every_shipped_dataset_file_matches_its_registered_checksum():
    assert SHIPPED == ("mnist", "fashion-mnist")
    for name in SHIPPED:
        assert file_sha256(DATA_DIR / DATASETS[name].npz) == DATASETS[name].sha256
    assert DATASETS["fashion-mnist"].label(9) == "Ankle boot" and DATASETS["mnist"].label(3) == "3"
    assert all(len(d.classes) == 10 == len(set(d.classes)) for d in DATASETS.values())


def test_a_dataset_that_does_not_ship_says_how_to_read_it():
    with pytest.raises(DataError, match="--dataset kmnist --data-root"):
        load_dataset("kmnist")
    with pytest.raises(ValueError, match="dataset must be one of mnist, fashion-mnist, kmnist"):
        load_dataset("cifar10")


@pytest.mark.parametrize("value", ["cifar10", "", 3, None, ["mnist"]])
def test_train_config_checks_the_dataset(value):
    with pytest.raises(ValueError, match="dataset must be one of"):
        TrainConfig(dataset=value)


def _checkpoint_bytes(tmp_path, dataset="fashion-mnist", edit=None) -> bytes:
    path = save_checkpoint(tmp_path / "m.safetensors", VAE(VAEConfig()), TrainConfig(dataset=dataset), {}, (), "x")
    blob = path.read_bytes()
    if edit is None:
        return blob
    size = int.from_bytes(blob[:8], "little")  # safetensors: an 8-byte header length, then the JSON header
    meta = json.loads(blob[8:8 + size])["__metadata__"]
    train = json.loads(meta["train_config"])
    edit(train)
    meta["train_config"] = json.dumps(train)
    return save(load(blob), metadata=meta)


def test_the_dataset_round_trips_and_older_checkpoints_are_mnist(tmp_path):
    assert load_checkpoint(_checkpoint_bytes(tmp_path)).train_config.dataset == "fashion-mnist"
    older = _checkpoint_bytes(tmp_path, edit=lambda train: train.pop("dataset"))
    assert load_checkpoint(older).train_config.dataset == "mnist"


@pytest.mark.parametrize("name", ["cifar10", "<script>alert(1)</script>", 7])
def test_an_unknown_dataset_is_refused_with_the_known_ones_named(tmp_path, name):
    blob = _checkpoint_bytes(tmp_path, edit=lambda train: train.update(dataset=name))
    with pytest.raises(CheckpointError) as caught:
        read_upload(blob)
    message = str(caught.value)
    assert "MNIST, Fashion-MNIST" in message and str(name) not in message  # the file's own text is never echoed
    assert not getattr(caught.value, "unexpected", False)


def test_a_known_dataset_the_app_has_no_images_of_is_refused_at_upload(tmp_path):
    blob = _checkpoint_bytes(tmp_path, dataset="kmnist")
    assert load_checkpoint(blob).train_config.dataset == "kmnist"  # the command line reads it
    with pytest.raises(CheckpointError, match="trained on Kuzushiji-MNIST.*MNIST and Fashion-MNIST only"):
        read_upload(blob)
    assert read_upload(_checkpoint_bytes(tmp_path)).train_config.dataset == "fashion-mnist"


def test_a_fashion_model_is_scored_on_fashion_images(fashion):
    """The same weights score differently on the two datasets: the pages must pick the checkpoint's own."""
    from vae.trainer import evaluate
    ckpt = load_checkpoint(DATA_DIR.parent / "checkpoints" / "fashion-bce.safetensors")
    assert ckpt.train_config.dataset == "fashion-mnist" and ckpt.data_sha256 == fashion.sha256
    own = evaluate(ckpt.model, fashion.x_test)["loss"]
    other = evaluate(ckpt.model, load_dataset("mnist").x_test)["loss"]
    assert own == pytest.approx(ckpt.metrics["test_loss"], abs=1e-3) and abs(other - own) > 5
    assert torch.equal(fashion.x_test, load_dataset("fashion-mnist").x_test)
