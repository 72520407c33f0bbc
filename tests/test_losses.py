"""The loss terms against torch.distributions as an independent oracle."""
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence as td_kl

from vae.config import VAEConfig
from vae.losses import bernoulli_nll, elbo_terms, gaussian_nll, kl_divergence, notes_loss
from vae.model import VAE


@pytest.mark.parametrize("dim", [2, 5, 20])
def test_kl_matches_torch_distributions(generator, dim):
    mu = torch.randn(64, dim, generator=generator, dtype=torch.float64) * 2
    logvar = torch.randn(64, dim, generator=generator, dtype=torch.float64) * 1.5
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    torch.testing.assert_close(kl_divergence(mu, logvar), td_kl(q, p))


def test_kl_is_zero_only_at_the_prior():
    assert kl_divergence(torch.zeros(1, 2), torch.zeros(1, 2)).item() == 0.0
    assert kl_divergence(torch.tensor([[0.1, 0.0]]), torch.zeros(1, 2)).item() > 0


def test_bernoulli_nll_matches_log_prob(generator):
    logits = torch.randn(3, 16, 784, generator=generator, dtype=torch.float64) * 4
    x = torch.bernoulli(torch.full((16, 784), 0.3, dtype=torch.float64), generator=generator)
    expected = -Bernoulli(logits=logits).log_prob(x.expand_as(logits)).sum(-1)
    torch.testing.assert_close(bernoulli_nll(x, logits), expected)


def test_bernoulli_nll_on_grey_pixels_is_the_cross_entropy(generator):
    logits = torch.randn(8, 784, generator=generator, dtype=torch.float64)
    x = torch.rand(8, 784, generator=generator, dtype=torch.float64)
    expected = F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none").sum(-1)
    torch.testing.assert_close(bernoulli_nll(x, logits), expected)


@pytest.mark.parametrize("sigma", [0.05, 0.1, 1.0])
def test_gaussian_nll_matches_log_prob(generator, sigma):
    mean = torch.rand(2, 8, 784, generator=generator, dtype=torch.float64)
    x = torch.rand(8, 784, generator=generator, dtype=torch.float64)
    expected = -Normal(mean, sigma).log_prob(x.expand_as(mean)).sum(-1)
    torch.testing.assert_close(gaussian_nll(x, mean, sigma), expected)


def _out(generator, batch=32, samples=4, dim=2):
    mu = torch.randn(batch, dim, generator=generator)
    logvar = torch.randn(batch, dim, generator=generator) * 0.3 - 2
    return {"mu": mu, "logvar": logvar, "logits": torch.randn(samples, batch, 784, generator=generator)}


@pytest.mark.parametrize("likelihood", ["bce", "mse"])
def test_elbo_terms_average_over_samples_and_weigh_kl_by_beta(generator, likelihood):
    x = torch.rand(32, 784, generator=generator)
    out = _out(generator)
    config = VAEConfig(likelihood=likelihood, beta=2.5)
    terms = elbo_terms(x, out, config)
    nll = bernoulli_nll(x, out["logits"]) if likelihood == "bce" else gaussian_nll(x, torch.sigmoid(out["logits"]), config.sigma)
    torch.testing.assert_close(terms["recon"], nll.mean())
    torch.testing.assert_close(terms["kl"], kl_divergence(out["mu"], out["logvar"]).mean())
    torch.testing.assert_close(terms["loss"], terms["recon"] + 2.5 * terms["kl"])


def test_notes_loss_is_the_pixel_mean_in_tanh_scale(generator):
    x = torch.rand(32, 784, generator=generator)
    out = _out(generator, samples=1)
    terms = notes_loss(x, out)
    tanh_out = torch.tanh(out["logits"] / 2)  # the notes' decoder output for the same pre-activations
    torch.testing.assert_close(terms["recon"], F.mse_loss(tanh_out[0], 2 * x - 1))
    # per image, the proper Gaussian likelihood's squared-error term is 784 / 4 times larger (sigma^2 = 1/2)
    sse = (torch.sigmoid(out["logits"][0]) - x).pow(2).sum(-1).mean()
    torch.testing.assert_close(terms["recon"] * 784 / 4, sse)
    assert terms["loss"] == terms["recon"] + terms["kl"]


def test_the_model_of_record_has_the_notes_architecture():
    model = VAE()
    linear = lambda seq: [(m.in_features, m.out_features) for m in seq if isinstance(m, torch.nn.Linear)]
    assert linear(model.encoder) == [(784, 196), (196, 48)]
    assert linear(model.mu_head) == linear(model.logvar_head) == [(48, 16), (16, 2)]
    assert linear(model.decoder) == [(2, 16), (16, 48), (48, 196), (196, 784)]
    tanh = lambda seq: sum(isinstance(m, torch.nn.Tanh) for m in seq)
    assert (tanh(model.encoder), tanh(model.mu_head), tanh(model.decoder)) == (2, 1, 3)


@pytest.mark.parametrize("dim", [2, 3, 8, 20])
def test_any_latent_size_trains_a_step(generator, dim):
    model = VAE(VAEConfig(latent_dim=dim))
    x = torch.rand(16, 28, 28, generator=generator)
    out = model(x, n_samples=3, generator=generator)
    assert out["z"].shape == (3, 16, dim) and out["logits"].shape == (3, 16, 784)
    elbo_terms(x, out, model.config)["loss"].backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    assert model.decode_images(torch.zeros(5, dim)).shape == (5, 28, 28)


def test_logvar_is_clamped():
    model = VAE()
    with torch.no_grad():
        model.logvar_head[-1].bias.fill_(1e4)
    _, logvar = model.encode(torch.rand(4, 784))
    assert logvar.max().item() == model.config.logvar_max


def test_reparameterization_has_the_right_moments(generator):
    mu, logvar = torch.tensor([[1.0, -2.0]]), torch.log(torch.tensor([[0.25, 4.0]]))
    z = VAE.reparameterize(mu, logvar, 200_000, generator)[:, 0]
    torch.testing.assert_close(z.mean(0), mu[0], atol=0.02, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([0.5, 2.0]), atol=0.02, rtol=0)


def test_free_bits_and_warm_up_change_only_the_objective(generator):
    x = torch.rand(32, 784, generator=generator)
    out = _out(generator)
    out["mu"][:, 1] = 0.0  # dimension 1 carries almost nothing: its KL is below one nat
    out["logvar"][:, 1] = -0.01
    config = VAEConfig(beta=2.0)
    plain = elbo_terms(x, out, config)
    torch.testing.assert_close(plain["objective"], plain["loss"])
    floored = elbo_terms(x, out, config, kl_weight=0.5, free_bits=1.0)
    assert floored["loss"] == plain["loss"] and floored["kl"] == plain["kl"]
    per_dim = (0.5 * (out["mu"] ** 2 + out["logvar"].exp() - 1 - out["logvar"])).mean(0)
    assert per_dim[0] > 1.0 > per_dim[1]
    torch.testing.assert_close(floored["objective"], plain["recon"] + 0.5 * 2.0 * (per_dim[0] + 1.0))
