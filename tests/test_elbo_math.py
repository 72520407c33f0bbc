"""The ELBO lab's computations: the exact decomposition, importance-weighted bounds, gradient estimators."""
import math

import numpy as np
import pytest
import torch

from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.estimators import gradient_samples, iwae_curve, log_likelihood_samples, running_mean
from vae.posterior import decompose, expected_log_likelihood
from vae.trainer import eval_targets


@pytest.fixture(scope="module")
def shipped():
    return {name: load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors") for name in ("bce", "bce-binarized", "mse")}


def digit(mnist, ckpt, index):
    return eval_targets(mnist, ckpt.train_config)[index]


@pytest.mark.parametrize("name", ["bce", "bce-binarized", "mse"])
@pytest.mark.parametrize("index", [1, 7, 42])
def test_log_px_equals_elbo_plus_gap(mnist, shipped, name, index):
    """Three separate integrals (posterior grid, Gauss-Hermite under q, grid under q) satisfy the identity."""
    dec = decompose(shipped[name].model, digit(mnist, shipped[name], index))
    assert abs(dec["identity_error"]) < 1e-3
    assert dec["kl_gap"] > 0 and dec["elbo"] < dec["log_px"]


@pytest.mark.parametrize("name, index", [("bce-binarized", 7), ("bce-binarized", 42), ("bce", 0)])
def test_quadrature_agrees_with_iwae_at_5000(mnist, shipped, name, index):
    model, x = shipped[name].model, digit(mnist, shipped[name], index)
    dec = decompose(model, x)
    curve = iwae_curve(model, x, repeats=16, generator=torch.Generator().manual_seed(index))
    k5000, se = curve["mean"][-1], curve["std"][-1] / math.sqrt(16)
    assert abs(k5000 - dec["log_px"]) < 3 * se + 0.01
    assert curve["mean"][0] < curve["mean"][2] < dec["log_px"] + 3 * se  # the bound climbs with K
    assert curve["mean"][0] == pytest.approx(dec["elbo"], abs=4 * curve["std"][0] / math.sqrt(16))
    assert curve["elbo"] == pytest.approx(dec["elbo"], abs=4 * curve["se"])  # the ELBO from the same draws
    assert curve["kl"] == pytest.approx(dec["kl_prior"], abs=1e-4)


def test_gradient_estimators_are_unbiased_and_reparameterization_has_lower_variance(mnist, shipped):
    ckpt = shipped["bce"]
    x = digit(mnist, ckpt, 7)
    samples = gradient_samples(ckpt.model, x, 20_000, torch.Generator().manual_seed(0))
    # oracle: central differences of the exact (Gauss-Hermite) E_q[log p(x|z)] in mu, minus the KL's gradient mu
    mu, logvar = (t[0] for t in ckpt.model.encode(x[None]))
    mu, logvar = mu.detach(), logvar.detach()
    h = 1e-3
    exact = np.array([(expected_log_likelihood(ckpt.model, x, mu + h * e, logvar, 48)
                       - expected_log_likelihood(ckpt.model, x, mu - h * e, logvar, 48)) / (2 * h)
                      for e in torch.eye(2)]) - mu.numpy()
    for key in ("reparam", "score"):
        est = samples[key]
        se = est.std(0) / math.sqrt(len(est))
        assert np.all(np.abs(est.mean(0) - exact) < 4 * se + 0.05 * np.abs(exact)), key
    assert np.all(samples["reparam"].var(0) * 100 < samples["score"].var(0))


def test_monte_carlo_error_shrinks_like_one_over_root_t(mnist, shipped):
    ckpt = shipped["bce"]
    draws = log_likelihood_samples(ckpt.model, digit(mnist, ckpt, 7), 40_000, torch.Generator().manual_seed(1))
    torch.testing.assert_close(running_mean(draws)[[0, 9, 99]], torch.stack([draws[:1].mean(), draws[:10].mean(),
                                                                           draws[:100].mean()]))
    estimates = draws.reshape(400, 100).mean(1)  # 400 independent estimates with T = 100
    assert estimates.std().item() == pytest.approx(draws.std().item() / 10, rel=0.15)
    mu, logvar = (t[0].detach() for t in ckpt.model.encode(digit(mnist, ckpt, 7)[None]))
    exact = expected_log_likelihood(ckpt.model, digit(mnist, ckpt, 7), mu, logvar)
    assert draws.mean().item() == pytest.approx(exact, abs=4 * draws.std().item() / 200)
