"""Monte Carlo estimators around the ELBO, vectorised over samples: importance-weighted bounds, the two
gradient estimators (score function and reparameterization), and running means."""
import math

import torch

from vae.losses import kl_divergence, reconstruction_nll
from vae.marginal import log_likelihood, log_prior, log_q
from vae.model import VAE


@torch.inference_mode()
def iwae_curve(model: VAE, x, ks=(1, 10, 100, 1000, 5000), repeats=10, generator=None) -> dict:
    """For each K: mean and standard deviation of the bound log (1/K) sum_k p(x, z_k) / q(z_k|x), z_k ~ q(z|x)
    (Burda et al. 2016), over disjoint blocks of K draws. K = 1 is the ELBO's estimator.

    repeats x max(K) draws are made, and each K splits all of them into blocks of K: `repeats` blocks for the
    largest K, many more for small K (whose mean is then the more precise). One decoder pass serves every K, and
    the ELBO estimated from all the draws (elbo_from_draws); each draw's log p(x|z) is returned too ("log_lik").
    """
    x = x.reshape(-1)
    mu, logvar = (t[0] for t in model.encode(x[None]))
    z = model.reparameterize(mu, logvar, repeats * max(ks), generator)
    log_lik = log_likelihood(model, x, z)
    log_w = log_lik + log_prior(z) - log_q(z, mu, logvar)
    out = {"k": list(ks), "mean": [], "std": [], "log_lik": log_lik.numpy(), **elbo_from_draws(log_lik, mu, logvar)}
    for k in ks:
        bounds = torch.logsumexp(log_w[:len(log_w) // k * k].reshape(-1, k), 1) - math.log(k)
        out["mean"].append(bounds.mean().item())
        out["std"].append(bounds.std().item() if len(bounds) > 1 else 0.0)
    return out


def gradient_samples(model: VAE, x, n=2000, generator=None) -> dict:
    """n single-sample estimates of d ELBO / d mu (mu = the encoder's mean for x), by two unbiased estimators.

    Both share the exact gradient of -KL(q || p(z)), which is -mu; they differ in the Monte Carlo part,
    the gradient of E_q[log p(x|z)]:
      reparameterization: grad_z log p(x|z) at z = mu + sigma * eps  (the randomness sits outside mu),
      score function:     log p(x|z) * grad_mu log q(z|x) = log p(x|z) * eps / sigma  (REINFORCE).
    """
    x = x.reshape(-1)
    with torch.no_grad():
        mu, logvar = (t[0] for t in model.encode(x[None]))
    sigma = torch.exp(0.5 * logvar)
    eps = torch.randn(n, mu.shape[0], generator=generator)
    z = (mu + sigma * eps).requires_grad_(True)
    log_lik = -reconstruction_nll(x, model.decode(z), model.config)
    (grad_z,) = torch.autograd.grad(log_lik.sum(), z)
    with torch.no_grad():
        reparam = grad_z - mu
        score = log_lik.detach()[:, None] * eps / sigma - mu
    return {"reparam": reparam.numpy(), "score": score.numpy(), "mu": mu.numpy()}


def running_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean of the first t values, for t = 1..T."""
    return values.cumsum(0) / torch.arange(1, len(values) + 1, dtype=values.dtype)


@torch.inference_mode()
def log_likelihood_samples(model: VAE, x, n=5000, generator=None) -> torch.Tensor:
    """log p(x|z_t) for z_t ~ q(z|x): the draws whose running mean estimates the ELBO's reconstruction term."""
    x = x.reshape(-1)
    mu, logvar = model.encode(x[None])
    z = model.reparameterize(mu, logvar, n, generator)[:, 0]
    return log_likelihood(model, x, z)


@torch.no_grad()
def iwae_log_px(model: VAE, x, k=5000, generator=None, batch=4, y=None) -> torch.Tensor:
    """The IWAE estimate of log p(x) for each image of x (N, 784), any latent size (Burda et al. 2016):
    log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x). A lower bound that tightens as K grows.
    For a conditional model, y (N, 10) are the images' one-hot classes and the estimate is of log p(x|y)."""
    out = []
    x = x.reshape(-1, 784)
    for i in range(0, len(x), batch):
        xb, yb = x[i:i + batch], None if y is None else y[i:i + batch]
        mu, logvar = model.encode(xb, yb)  # (B, D)
        z = model.reparameterize(mu, logvar, k, generator)  # (K, B, D)
        log_lik = -reconstruction_nll(xb, model.decode(z, yb), model.config)  # (K, B)
        log_w = log_lik + log_prior(z) - log_q(z, mu, logvar)
        out.append(torch.logsumexp(log_w, 0) - math.log(k))
    return torch.cat(out)


def elbo_from_draws(log_lik, mu, logvar) -> dict:
    """The ELBO of one image for any latent size from draws log p(x|z_t), z_t ~ q(z|x): E_q[log p(x|z)] as their
    mean (with its standard error) minus the closed-form KL(q(z|x) || N(0, I))."""
    kl = kl_divergence(mu, logvar).item()
    expected = log_lik.mean().item()
    return {"expected_log_lik": expected, "kl": kl, "elbo": expected - kl,
            "se": log_lik.std().item() / math.sqrt(len(log_lik))}


@torch.inference_mode()
def elbo_estimate(model: VAE, x, n=20000, generator=None) -> dict:
    """The ELBO of one image from n draws of its own (elbo_from_draws)."""
    x = x.reshape(-1)
    mu, logvar = (t[0] for t in model.encode(x[None]))
    return elbo_from_draws(log_likelihood_samples(model, x, n, generator), mu, logvar)
