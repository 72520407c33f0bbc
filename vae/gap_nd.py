"""The gap beyond two latent dimensions, where no grid holds the posterior: q* by stochastic optimisation, the ELBO
from many draws, and log p(x) by importance sampling from q* instead of the encoder's q.

The IWAE bound with K draws from the encoder's q is a poor estimate of log p(x) where the encoder misses the
posterior: its draws land where p(x, z) is small. A Gaussian fitted to the one image (q*, as in vae.gap) sits on
the posterior's bulk, and widened a little it covers the tails too; its bound is tighter on the same K.
"""
import math

import torch

from vae.losses import reconstruction_nll
from vae.marginal import log_prior, log_q
from vae.model import VAE

WIDEN = 1.25  # the proposal's standard deviations are q*'s times this: a mode-seeking q* is narrower than p(z|x)
# The proposal's shares: q* widened, the encoder's q and the prior. A q* fitted from the encoder can sit in the
# smaller of two modes of p(z|x) (a 2-D digit under bce: 26 nats below log p(x) from q* alone); a share of draws
# from the prior reaches the other, and the mixture's density bounds every weight (defensive importance sampling,
# Hesterberg 1995).
SHARES = (0.8, 0.1, 0.1)


def kl_to_prior(mu, logvar) -> torch.Tensor:
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def fit_diag(model: VAE, x, steps=400, draws=32, lr=0.02, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
    """q*(z) = N(mu, diag(exp(logvar))) of highest ELBO for each image of x (B, 784), any latent size: Adam on the
    reparameterized ELBO (`draws` draws a step, closed-form KL), from the encoder's output; the learning rate
    falls to a tenth over the last half, so the last steps average the noise away. Deterministic for a seeded
    generator."""
    with torch.no_grad():
        mu, logvar = model.encode(x)
    mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    opt = torch.optim.Adam([mu, logvar], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 if t < steps // 2 else 0.1)
    with torch.enable_grad():
        for _ in range(steps):
            eps = torch.randn(draws, *mu.shape, generator=generator)
            z = mu + torch.exp(0.5 * logvar) * eps
            loss = reconstruction_nll(x, model.decode(z), model.config).mean(0) + kl_to_prior(mu, logvar)
            opt.zero_grad()
            loss.sum().backward()
            opt.step()
            sched.step()
    return mu.detach(), logvar.detach()


@torch.no_grad()
def elbo_many(model: VAE, x, mu, logvar, draws=2000, generator=None, chunk=250) -> dict:
    """ELBO of q = N(mu, diag(exp(logvar))) for each image: the mean of `draws` draws of log p(x|z) minus the
    closed-form KL; "se" is the Monte Carlo standard error (the KL has none)."""
    log_lik = torch.cat([-reconstruction_nll(x, model.decode(model.reparameterize(mu, logvar, n, generator)),
                                             model.config) for n in _chunks(draws, chunk)])  # (draws, B)
    return {"elbo": log_lik.mean(0) - kl_to_prior(mu, logvar), "se": log_lik.std(0) / math.sqrt(draws)}


@torch.no_grad()
def iwae(model: VAE, x, mu, logvar, k=5000, generator=None, chunk=250) -> dict:
    """log (1/K) sum_k p(x, z_k) / r(z_k), z_k ~ r = N(mu, diag(exp(logvar))), for each image: a lower bound on
    log p(x) in expectation, an estimate of it. "se" is the delta method's standard error of the estimate,
    sd(w) / (sqrt(K) mean(w)) for the weights w, which is honest only while the weights have a finite variance."""
    log_w = []
    for n in _chunks(k, chunk):
        z = model.reparameterize(mu, logvar, n, generator)  # (n, B, D)
        log_w.append(-reconstruction_nll(x, model.decode(z), model.config) + log_prior(z) - log_q(z, mu, logvar))
    log_w = torch.cat(log_w)  # (K, B)
    estimate = torch.logsumexp(log_w, 0) - math.log(k)
    w = torch.exp(log_w - estimate)  # weights over their mean
    return {"log_px": estimate, "se": w.std(0) / math.sqrt(k), "ess": k / (w.pow(2).mean(0))}


def _chunks(total: int, chunk: int) -> list[int]:
    return [min(chunk, total - i) for i in range(0, total, chunk)]


@torch.no_grad()
def iwae_mixture(model: VAE, x, components, k=5000, generator=None, chunk=250) -> dict:
    """iwae's estimate with draws from a mixture of Gaussians, components [(mu, logvar, share)], a fixed share
    of the K draws from each (stratified), each weighed against the mixture's density."""
    log_w = []
    for mu, logvar, share in components:
        for n in _chunks(round(share * k), chunk):
            z = model.reparameterize(mu, logvar, n, generator)
            log_r = torch.logsumexp(torch.stack([math.log(s) + log_q(z, m, lv) for m, lv, s in components]), 0)
            log_w.append(-reconstruction_nll(x, model.decode(z), model.config) + log_prior(z) - log_r)
    log_w = torch.cat(log_w)
    estimate = torch.logsumexp(log_w, 0) - math.log(len(log_w))
    w = torch.exp(log_w - estimate)
    return {"log_px": estimate, "se": w.std(0) / math.sqrt(len(log_w)), "ess": len(log_w) / (w.pow(2).mean(0))}


def gap_estimates(model: VAE, x, k=5000, draws=2000, seed=0) -> dict:
    """For images x (B, 784): the ELBO of the encoder's q from many draws, q* fitted to each image, its ELBO, and
    log p(x) by IWAE from the encoder's q and from a mixture of q* widened by WIDEN, the encoder's q and the prior
    (SHARES), each with its standard error."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        mu, logvar = model.encode(x)
    star_mu, star_logvar = fit_diag(model, x, generator=gen)
    widened = star_logvar + 2 * math.log(WIDEN)
    mixture = list(zip((star_mu, mu, torch.zeros_like(mu)), (widened, logvar, torch.zeros_like(mu)), SHARES))
    out = {"elbo_encoder": elbo_many(model, x, mu, logvar, draws, gen),
           "elbo_star": elbo_many(model, x, star_mu, star_logvar, draws, gen),
           "iwae_encoder": iwae(model, x, mu, logvar, k, gen), "iwae_star": iwae_mixture(model, x, mixture, k, gen)}
    return {f"{key} {part}": v[part].numpy() for key, v in out.items() for part in v}
