"""log p(x) by quadrature, checked against exact answers and an independent importance sampler, and used to
check that the ELBO and the importance-weighted bound sit below it."""
import math
import statistics

import pytest
import torch
from torch.distributions import Bernoulli, Categorical, Independent, MixtureSameFamily, Normal

from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.config import VAEConfig
from vae.data import binarize
from vae.losses import bernoulli_nll, reconstruction_nll
from vae.marginal import elbo_estimate, iwae_bound, log_likelihood, log_marginal_grid
from vae.trainer import build_model, eval_targets


def test_quadrature_is_exact_when_the_decoder_ignores_z(mnist):
    """With zero weights into the last layer, p(x|z) is constant, so log p(x) = log p(x|z) for any z."""
    model = build_model(VAEConfig(), 0).eval()
    with torch.no_grad():
        model.decoder[-1].weight.zero_()
    x = mnist.x_test[0]
    expected = -bernoulli_nll(x, model.decoder[-1].bias).item()
    assert log_marginal_grid(model, x)["log_px"] == pytest.approx(expected, abs=1e-3)


@pytest.fixture(scope="module")
def binarized_model():
    return load_checkpoint(CHECKPOINT_DIR / "bce-binarized.safetensors").model


@pytest.fixture(scope="module")
def binary_digits(mnist):
    return binarize(mnist.x_test[[0, 1, 7, 42]], torch.Generator().manual_seed(0))


@torch.no_grad()
def importance_sampled_log_px(model, x, n, generator):
    """Oracle built only from torch.distributions: p(x) = E_r[p(x|z) p(z) / r(z)] with a defensive mixture
    proposal (Hesterberg 1995): half q(z|x) widened twice, half the prior, so that posterior mass far from
    q(z|x) is still sampled and no weight can be huge."""
    mu, logvar = model.encode(x[None])
    mix = Categorical(torch.tensor([0.5, 0.5]))
    loc = torch.stack([mu[0], torch.zeros(2)])
    scale = torch.stack([2 * torch.exp(0.5 * logvar[0]), torch.ones(2)])
    proposal = MixtureSameFamily(mix, Independent(Normal(loc, scale), 1))
    prior = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
    pick = torch.multinomial(mix.probs, n, replacement=True, generator=generator)
    z = loc[pick] + scale[pick] * torch.randn(n, 2, generator=generator)
    log_lik = Independent(Bernoulli(logits=model.decode(z)), 1).log_prob(x.expand(n, -1))
    log_w = (log_lik + prior.log_prob(z) - proposal.log_prob(z)).double()
    w = torch.exp(log_w - log_w.max())
    log_px = (torch.log(w.mean()) + log_w.max()).item()
    return log_px, (w.std() / (w.mean() * math.sqrt(n))).item()  # delta-method standard error of log p(x)


@pytest.mark.parametrize("row", range(2))  # 400,000 samples a digit: 15 s each
def test_quadrature_matches_an_independent_importance_sampler(binarized_model, binary_digits, row):
    x = binary_digits[row]
    quad = log_marginal_grid(binarized_model, x)["log_px"]
    oracle, se = importance_sampled_log_px(binarized_model, x, 400_000, torch.Generator().manual_seed(row))
    assert abs(quad - oracle) < 4 * se + 0.01, (quad, oracle, se)


@pytest.mark.parametrize("row", range(4))
def test_elbo_and_iwae_are_lower_bounds(binarized_model, binary_digits, row):
    x = binary_digits[row]
    gen = torch.Generator().manual_seed(row)
    log_px = log_marginal_grid(binarized_model, x)["log_px"]
    elbo = elbo_estimate(binarized_model, x, 20_000, gen)
    iwae = [iwae_bound(binarized_model, x, 5000, gen) for _ in range(8)]
    iwae_mean, iwae_se = statistics.mean(iwae), statistics.stdev(iwae) / math.sqrt(len(iwae))
    assert elbo < log_px - 0.05  # the gap is KL(q(z|x) || p(z|x)): positive for an approximate posterior
    assert elbo < iwae_mean <= log_px + 3 * iwae_se + 1e-3


def test_quadrature_is_stable_under_grid_refinement(binarized_model, binary_digits):
    x = binary_digits[2]
    default = log_marginal_grid(binarized_model, x)["log_px"]
    fine = log_marginal_grid(binarized_model, x, sizes=(160, 384))["log_px"]
    assert default == pytest.approx(fine, abs=1e-3)


def test_quadrature_resolves_a_posterior_far_narrower_than_its_first_grid(mnist):
    """Under the Gaussian decoder (sigma = 0.1) this digit's posterior is under 0.01 wide, 20 times narrower than the
    first grid's cells, and lies away from q(z|x): a two-grid rule that took q's box into its fine grid was 0.1 nats
    off here."""
    ckpt = load_checkpoint(CHECKPOINT_DIR / "mse.safetensors")
    x = eval_targets(mnist, ckpt.train_config)[4933]
    fine = log_marginal_grid(ckpt.model, x, sizes=(320, 768))["log_px"]
    assert log_marginal_grid(ckpt.model, x)["log_px"] == pytest.approx(fine, abs=1e-3)


def test_log_likelihood_where_every_pixel_is_a_coin_flip(mnist):
    """Zero logits make each pixel's 1 + e^-|l| its largest, 2, so the products of 112 of them that log_likelihood
    takes are at their largest (2^112) too: log p(x|z) is still -784 log 2, for any image and code."""
    model = build_model(VAEConfig(), 0).eval()
    with torch.no_grad():
        model.decoder[-1].weight.zero_()
        model.decoder[-1].bias.zero_()
    z = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    for x in (mnist.x_test[0], torch.ones(784), torch.zeros(784)):
        assert torch.allclose(log_likelihood(model, x, z), torch.full((500,), -784 * math.log(2.0)), rtol=1e-6)


@pytest.mark.parametrize("name", ["bce", "bce-binarized", "mse"])
def test_log_likelihood_is_minus_the_reconstruction_loss(mnist, name, generator):
    """log_likelihood rearranges the loss for speed: in float64 it is the same number as -reconstruction_nll, and
    in float32 as close to that as the loss's own float32 value, including for logits far beyond any trained
    decoder's (the last layer scaled 100 times)."""
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    model, x = ckpt.model, eval_targets(mnist, ckpt.train_config)[7]
    z = 2 * torch.randn(3000, 2, generator=generator)
    for scale in (1.0, 100.0):
        with torch.no_grad():
            model.decoder[-1].weight.mul_(scale)
            exact = -reconstruction_nll(x.double(), model.double().decode(z.double()), ckpt.config)
            assert torch.allclose(log_likelihood(model, x.double(), z.double()), exact, rtol=1e-12, atol=1e-9)
            model.float()
            fast, loss = log_likelihood(model, x, z), -reconstruction_nll(x, model.decode(z), ckpt.config)
            model.decoder[-1].weight.div_(scale)
        assert torch.isfinite(fast).all()
        assert (fast.double() - exact).abs().max() <= 2 * (loss.double() - exact).abs().max() + 1e-4 * scale
