"""Bayes' rule with a conditional VAE (vae.bayes): log p(x) = log Σ_y p(y) p(x|y), each p(x|y) by quadrature, agrees
with an independent importance-sampling estimate within its standard error (and so does log p(x|y) for every class
that carries the image's probability); p(y|x) sums to 1; the generative classifier's scores are those quadratures."""
import math

import pytest
import torch
from torch.distributions import Bernoulli, Independent, Normal

from vae.bayes import MARGIN, LOG_PRIOR, bayes_rule, class_log_likelihoods, class_scores, shared_grid_scores
from vae.config import VAEConfig
from vae.data import load_dataset
from vae.model import N_CLASSES, one_hot
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import build_model

K = 4000  # importance samples per class


@torch.no_grad()
def importance_log_weights(model, x, k, generator) -> torch.Tensor:
    """log p(x|z, y) + log p(z) - log q(z|x, y) for z ~ q(z|x, y), (10, k): one row per class, written with
    torch.distributions, apart from vae's own log-densities."""
    ys = one_hot(torch.arange(N_CLASSES))
    mu, logvar = model.encode(x.expand(N_CLASSES, 784), ys)  # (10, 2)
    q = Independent(Normal(mu, (0.5 * logvar).exp()), 1)
    z = mu + (0.5 * logvar).exp() * torch.randn(k, N_CLASSES, 2, generator=generator)  # (k, 10, 2)
    prior = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
    pixels = Independent(Bernoulli(logits=model.decode(z, ys), validate_args=False), 1)
    return (pixels.log_prob(x) + prior.log_prob(z) - q.log_prob(z)).T


def importance_estimate(log_w) -> dict:
    """From log-weights (10, k): each class's log p̂(x|y) and its standard error in nats, and log p̂(x) with its own.
    p̂(x) = Σ_y p(y) mean_k w_yk is unbiased; its variance is Σ_y p(y)^2 Var(w_y) / k, and the error of a log is the
    relative error of its argument."""
    k, top = log_w.shape[1], log_w.max()
    w = (log_w - top).double().exp()  # scaled by e^-top, which cancels in every ratio
    mean, var = w.mean(1), w.var(1) / k
    p = 1.0 / N_CLASSES
    px, px_var = p * mean.sum(), p * p * var.sum()
    return {"log_px_given_y": mean.log() + top, "se_y": var.sqrt() / mean,
            "log_px": (px.log() + top).item(), "se": (px_var.sqrt() / px).item()}


@pytest.fixture(scope="module")
def cvae():
    return load_checkpoint(CHECKPOINT_DIR / "cvae.safetensors").model


@pytest.mark.parametrize("index", [0, 1, 4])
def test_quadrature_log_px_agrees_with_importance_sampling(cvae, index):
    x = load_dataset().x_test[index]
    exact = bayes_rule(cvae, x)
    sampled = importance_estimate(importance_log_weights(cvae, x, K, torch.Generator().manual_seed(index)))
    p = exact["p_y_given_x"]
    assert p.sum().item() == pytest.approx(1.0, abs=1e-12) and (p >= 0).all()
    assert exact["log_px"] == pytest.approx(torch.logsumexp(exact["log_px_given_y"] + LOG_PRIOR, 0).item(), abs=1e-12)
    # the estimate is precise enough for the comparison to mean something, and agrees within 4 standard errors
    # (plus the quadrature's own 1e-3 nats)
    assert sampled["se"] < 0.05
    gap = abs(exact["log_px"] - sampled["log_px"])
    print(f"\ntest digit {index}: log p(x) {exact['log_px']:.4f} by quadrature, {sampled['log_px']:.4f} ± "
          f"{sampled['se']:.4f} by importance sampling; p(y|x) {[round(v, 3) for v in p.tolist()]}")
    assert gap <= 4 * sampled["se"] + 1e-3
    # Each class's log p(x|y): where a class carries the image's probability, the two agree within 4 standard errors.
    # Elsewhere, q(z|x, y) of a class the image is not is a poor proposal (it misses where p(z|x, y) lies: estimates
    # 30 to 200 nats low were measured, with standard errors that do not show it); the estimate is then still a lower
    # bound in expectation, so it must not exceed the quadrature.
    for c in range(N_CLASSES):
        tolerance = 4 * sampled["se_y"][c].item() + 1e-3
        excess = (sampled["log_px_given_y"][c] - exact["log_px_given_y"][c]).item()
        assert excess <= tolerance, c
        if p[c] > 0.01:
            assert abs(excess) <= tolerance, c


@pytest.mark.parametrize("name", ["cvae", "fashion-cvae"])
def test_the_two_passes_of_class_scores(name):
    """class_scores' first pass (one grid shared by every image) agrees with the adaptive quadrature, class by class,
    to 1e-3 nats for every class within MARGIN of the image's best (the far ones may be off: their posteriors can lie
    outside the shared grid, and they carry nothing); its second pass is that quadrature; and the guesses are those
    of the quadrature of all ten classes."""
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    data = load_dataset(ckpt.train_config.dataset)
    x = data.x_test[:8]
    exact = torch.stack([class_log_likelihoods(ckpt.model, xi) for xi in x])
    first = shared_grid_scores(ckpt.model, x)
    near = first >= first.max(1, keepdim=True).values - MARGIN
    assert (first - exact).abs()[near].max() < 1e-3
    scores = class_scores(ckpt.model, x)
    assert scores.shape == (8, N_CLASSES) and scores.dtype == torch.float64
    assert torch.equal(scores[near], exact[near]) and torch.equal(scores[~near], first[~near])
    assert torch.equal(scores.argmax(1), exact.argmax(1))
    print(f"\n{name}: {near.sum().item()} of 80 classes within {MARGIN:g} nats of their image's best; the shared grid "
          f"off by at most {(first - exact).abs()[near].max().item():.1e} nats there, {(first - exact).abs().max():.1f} "
          f"elsewhere; guesses {scores.argmax(1).tolist()}, labels {data.y_test[:8].tolist()}")
    assert (scores.argmax(1) == data.y_test[:8]).sum() >= 6


def test_only_a_2d_conditional_model_is_a_bayes_classifier():
    x = torch.rand(784)
    for config in (VAEConfig(), VAEConfig(conditional=True, latent_dim=3)):
        with pytest.raises(ValueError, match="conditional model with a 2-D latent space"):
            bayes_rule(build_model(config, 0), x)
    assert math.isclose(LOG_PRIOR, math.log(0.1))


def test_the_accuracy_command(capsys):
    """python -m vae.classify prints the share of test images whose class of highest log p(x|y) is theirs (coarse
    grids here, to be quick), and refuses a model that is no Bayes classifier in one line."""
    from vae.classify import main
    assert main(["--checkpoint", "cvae", "--images", "20", "--grid", "24,24,32"]) == 0
    out = capsys.readouterr().out
    data, model = load_dataset(), load_checkpoint(CHECKPOINT_DIR / "cvae.safetensors").model
    right = (class_scores(model, data.x_test[:20], (24, 24, 32)).argmax(1) == data.y_test[:20]).double().mean()
    assert f"accuracy {100 * right.item():.1f}%" in out and "first 20 test images of mnist" in out
    assert main(["--checkpoint", "bce", "--images", "5"]) == 2
    assert "conditional model with a 2-D latent space" in capsys.readouterr().err
    assert main(["--checkpoint", "../etc/passwd"]) == 2
