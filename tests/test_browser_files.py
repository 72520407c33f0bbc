"""The files a browser trains from hold exactly what vae/ trains and scores on: the same images and labels, the same
binarized test set, and the very noise vae.trainer.evaluate draws, so that the browser's test loss for some weights
is PyTorch's for those weights."""
import numpy as np
import pytest
import torch

from vae.config import TrainConfig
from vae.losses import elbo_terms
from vae.serve.browser_files import binarized_test_bytes, eval_noise_bytes, split_bytes
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_noise, eval_targets, evaluate


@pytest.mark.parametrize("split", ["train", "test"])
def test_a_split_is_its_pixels_then_its_labels(mnist, split):
    blob, n = split_bytes("mnist", split)
    pixels = np.frombuffer(blob[:n * 784], np.uint8).reshape(n, 784)
    labels = np.frombuffer(blob[n * 784:], np.uint8)
    x, y = (mnist.x_train, mnist.y_train) if split == "train" else (mnist.x_test, mnist.y_test)
    # vae/data.js turns byte k into k / 255 in float32, as vae/data.py does
    assert np.array_equal((pixels.astype(np.float32) / 255.0), x.numpy()) and np.array_equal(labels, y.numpy())


def test_the_binarized_test_set_is_the_one_models_are_scored_on(mnist):
    bits = np.frombuffer(binarized_test_bytes("mnist"), np.uint8).reshape(-1, 784)
    assert np.array_equal(bits, eval_targets(mnist, TrainConfig(binarize=True)).numpy())


@pytest.mark.parametrize("name", ["bce", "bce-z8"])
def test_the_noise_reproduces_evaluate_exactly(mnist, name):
    model = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model
    d = model.config.latent_dim
    eps = torch.from_numpy(np.frombuffer(eval_noise_bytes(10000, d, 2000), "<f4").reshape(1, 10000, d).copy())
    assert torch.equal(eps, eval_noise(10000, d, 2000))
    with torch.no_grad():  # scored batch by batch on these draws, as the browser does
        totals = []
        for i in range(0, 10000, 2000):
            x = mnist.x_test[i:i + 2000]
            mu, logvar = model.encode(x)
            z = mu + torch.exp(0.5 * logvar) * eps[:, i:i + 2000]
            totals.append(elbo_terms(x, {"mu": mu, "logvar": logvar, "z": z, "logits": model.decode(z)},
                                     model.config)["loss"].item())
    assert np.mean(totals) == pytest.approx(evaluate(model, mnist.x_test)["loss"], rel=1e-6)
