"""The plain autoencoder (VAEConfig(variational=False)): deterministic codes, no KL, a checkpoint that round trips,
and prior samples that look less like digits than the VAE's."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint, save_checkpoint
from vae.config import TrainConfig, VAEConfig
from vae.losses import bernoulli_nll, elbo_terms
from vae.trainer import build_model, train

AE = VAEConfig(variational=False)


def test_autoencoder_codes_are_points_and_its_loss_has_no_kl(generator):
    model = build_model(AE, 0)
    assert not hasattr(model, "logvar_head")
    x = torch.rand(8, 784, generator=generator)
    a, b = (model(x, n_samples=3, generator=torch.Generator().manual_seed(s)) for s in (1, 2))
    assert torch.equal(a["z"], b["z"]) and torch.equal(a["z"][0], a["mu"])
    assert torch.isneginf(a["logvar"]).all()  # sigma = 0: a point, the limit of a shrinking Gaussian
    terms = elbo_terms(x, a, AE, kl_weight=0.5, free_bits=1.0)
    assert terms["kl"] == 0
    torch.testing.assert_close(terms["loss"], bernoulli_nll(x, a["logits"]).mean())
    assert terms["objective"] == terms["loss"] == terms["recon"]


def test_autoencoder_with_the_notes_loss_is_refused():
    with pytest.raises(ValueError, match="autoencoder"):
        VAEConfig(variational=False, likelihood="notes")


def test_autoencoder_checkpoint_round_trips_and_old_configs_stay_variational(tmp_path, small_mnist):
    model = build_model(AE, 0)
    events = list(train(model, small_mnist, TrainConfig(epochs=1, seed=0)))
    assert events[-1]["kind"] == "done" and events[-2]["test_kl"] == 0
    ckpt = load_checkpoint(save_checkpoint(tmp_path / "ae.safetensors", model, TrainConfig(epochs=1)))
    assert ckpt.config == AE
    for (k, a), (k2, b) in zip(model.state_dict().items(), ckpt.model.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    assert load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").config.variational


def digit_classifier(mnist, n_train=20000, epochs=4, seed=0) -> nn.Module:
    """A 784-128-10 MLP trained for a few seconds; it is the judge of what looks like a digit."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    x, y = mnist.x_train[:n_train].reshape(n_train, -1), mnist.y_train[:n_train]
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(n_train, generator=gen).split(128):
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    return net.eval()


@torch.no_grad()
def confidence(net, images) -> float:
    """Mean max-softmax probability: near 1 when the classifier is sure the image is some digit."""
    return F.softmax(net(images.reshape(len(images), -1)), -1).max(-1).values.mean().item()


def test_autoencoder_prior_samples_look_less_like_digits_than_the_vaes(mnist):
    net = digit_classifier(mnist)
    with torch.no_grad():
        accuracy = (net(mnist.x_test.reshape(-1, 784)).argmax(-1) == mnist.y_test).float().mean().item()
    assert accuracy > 0.9
    z = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    scores = {name: confidence(net, load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model.decode_images(z))
              for name in ("ae", "bce")}
    print(f"classifier test accuracy {accuracy:.3f}; mean max-softmax on 1,000 prior samples: {scores}")
    assert scores["ae"] < scores["bce"]
