"""log p(x) for a 2-D latent space by numeric quadrature, and the ELBO / importance-weighted bounds.

With two latent dimensions the "intractable" integral p(x) = ∫ p(x|z) p(z) dz is a 2-D integral that a
grid evaluates to high accuracy: coarser grids find where the posterior mass is, a fine one integrates it.
"""
import math

import torch

from vae.losses import kl_divergence, reconstruction_nll
from vae.model import VAE

LOG_2PI = math.log(2.0 * math.pi)
PIXELS_PER_PRODUCT = 112  # 784 = 7 x 112: see _log_lik


def log_prior(z):
    return -0.5 * (z.pow(2).sum(-1) + z.shape[-1] * LOG_2PI)


def log_q(z, mu, logvar):
    """log N(z; mu, diag(exp(logvar))) for z (N, D) and one mu, logvar (D,)."""
    return -0.5 * ((z - mu).pow(2) / logvar.exp() + logvar + LOG_2PI).sum(-1)


def _log_lik(x, logits, config):
    """log p(x|z), the same value as -reconstruction_nll, from the decoder's logits (N, 784), which it overwrites:
    computed in place, because a fresh (N, 784) tensor for every step of the loss formula costs more than the maths.
    """
    if config.likelihood != "bce":  # Gaussian: -sum_j (x_j - sigmoid(l_j))^2 / (2 sigma^2) - 784 log(sqrt(2 pi) sigma)
        squares = logits.sigmoid_().sub_(x).square_().sum(-1)
        return -squares / (2.0 * config.sigma**2) - logits.shape[-1] * 0.5 * math.log(2.0 * math.pi * config.sigma**2)
    # Bernoulli: sum_j x_j l_j - softplus(l_j), softplus(l) = max(l, 0) + log(1 + e^-|l|). Torch's fused
    # cross-entropy and its log1p are not vectorised on the CPU; this is 3x faster and as accurate in float32
    # (log(1 + u) drops u < 6e-8: under 5e-5 nats over 784 pixels, against float32 logits' own ~4e-5).
    # The sum of logs is the log of a product: 1 + u <= 2, so a product of 112 pixels' stays below 2^112 (float32
    # holds 2^128), and 7 logs a row replace 784: log p(x|z) at 25,000 codes in 86 ms instead of 99, and as close to
    # float64 as the 784 logs were (bench/log_likelihood_speed.py: bce, bce-z8, fashion-bce side by side).
    x_dot_l, positive = logits @ x, logits.clamp(min=0).sum(-1)
    ones_plus_u = logits.abs_().neg_().exp_().add_(1)
    return x_dot_l - positive - ones_plus_u.reshape(len(logits), -1, PIXELS_PER_PRODUCT).prod(-1).log_().sum(-1)


@torch.inference_mode()
def log_likelihood(model: VAE, x, z, chunk=2048, y=None):
    """log p(x|z) for one image x (784,) at many points z (N, D); log p(x|z, y) for a conditional model's class y (10,).
    A chunk of 2048 points keeps its (2048, 784) logits in the CPU's cache from the decoder's last layer to the sum
    over pixels: of 512 to 8192, the fastest under OMP_WAIT_POLICY=PASSIVE (./dev app), where every parallel step
    wakes the threads, and close to it without."""
    return torch.cat([_log_lik(x, model.decode(zc, y), model.config) for zc in z.split(chunk)])


def log_joint(model: VAE, x, z, y=None):
    """log p(x|z) + log p(z) for one image x (784,) at many points z (N, D) (given the class y, if conditional)."""
    return log_likelihood(model, x, z, y=y) + log_prior(z)


def _grid(lo, hi, n):
    """Cell midpoints of an n x n grid over the box [lo, hi] (two corners), and the cell area."""
    step = (hi - lo) / n
    a = lo[0] + step[0] * (torch.arange(n) + 0.5)
    b = lo[1] + step[1] * (torch.arange(n) + 0.5)
    za, zb = torch.meshgrid(a, b, indexing="ij")
    return torch.stack([za, zb], -1).reshape(-1, 2), float(step[0] * step[1]), (a, b)


@torch.inference_mode()
def log_marginal_grid(model: VAE, x, sizes=(64, 64, 112), radius=6.0, drop=30.0, y=None, focus=None, fine=96):
    """Quadrature of p(x) (of p(x|y) for a conditional model given the one-hot class y (10,)) over z in 2-D, on
    n x n grids for n in `sizes`, each over where the one before found the posterior mass. Returns log_px and the last
    grid's log joint (for posterior plots).

    The first grid spans the prior's bulk and q(z|x)'s. Each next one covers every cell of the one before whose
    log joint is within `drop` nats of its peak (e^-30 of the peak is far below float precision of the sum),
    widened by 1.5 of its cells on each side, so the last grid is fine where the mass is even when the posterior
    is far narrower than the first grid's cells. The midpoint rule converges exponentially fast on smooth
    bell-shaped integrands, so even a few points per posterior standard deviation give errors far below 1e-3 nats:
    measured on 300 test images under the 15 shipped 2-D models, 298 within 1e-3 nats of a float64 grid of 160 then
    384 points a side. The two others have a far second mode that keeps the last grid wide: 0.14 and 0.013 off
    (the two-grid rule this replaced, 64 then 112 points, was off by more than 1e-3 on 20 of them, by up to 0.7).

    A posterior mode far narrower than the first grid's cells can fall between its points and be missed altogether
    (under mse-s005, sigma = 0.05: two of the first 100 test digits, 0.6 and 5 nats). `focus`, a box (lo, hi) known to
    hold mass (vae.gap passes the fitted q*'s), is then kept in every grid, and the last grid's cells over it are
    replaced by a `fine` x `fine` grid of their own: the box is widened to whole cells, so the two grids tile the plane
    without overlap and the sum is still one midpoint rule, finer where the mode is.
    """
    if model.config.latent_dim != 2:
        raise ValueError("quadrature is implemented for a 2-D latent space only")
    x = x.reshape(-1)
    mu, logvar = (t[0] for t in model.encode(x[None], None if y is None else y[None]))
    std = torch.exp(0.5 * logvar)
    focus = () if focus is None else tuple(torch.as_tensor(c, dtype=torch.float32) for c in focus)
    r = max(radius, (mu.abs() + 8.0 * std).max().item(), *(c.abs().max().item() + 1.0 for c in focus))
    lo, hi = torch.tensor([-r, -r]), torch.tensor([r, r])
    for level, n in enumerate(sizes):
        if level:
            cell = (hi - lo) / sizes[level - 1]
            lo, hi = keep.min(0).values - 1.5 * cell, keep.max(0).values + 1.5 * cell
        z, area, axes = _grid(lo, hi, n)
        lj = log_joint(model, x, z, y)
        keep = torch.cat([z[lj > lj.max() - drop], *(c[None] for c in focus)])
        if level == 0:
            # q(z|x)'s own ±4 sigma box joins the second grid: a very sharp posterior peak can fall between the
            # first grid's points, and the encoder's mean is usually close to it.
            keep = torch.cat([keep, mu[None] - 4 * std, mu[None] + 4 * std])
    terms = lj + math.log(area)
    if focus:
        terms = torch.cat([terms[~_within(z, *_whole_cells(lo, hi, sizes[-1], *focus))],
                           _focused(model, x, y, *_whole_cells(lo, hi, sizes[-1], *focus), fine)])
    return {"log_px": torch.logsumexp(terms, 0).item(), "axes": axes, "log_joint": lj.reshape(sizes[-1], sizes[-1])}


def _whole_cells(lo, hi, n, a, b):
    """The box [a, b] widened to the edges of the n x n grid's cells over [lo, hi] (a, b inside it)."""
    cell = (hi - lo) / n
    i0 = torch.floor((a - lo) / cell).clamp(0, n)
    i1 = torch.ceil((b - lo) / cell).clamp(0, n)
    return lo + i0 * cell, lo + i1 * cell


def _within(z, a, b):
    return ((z > a) & (z < b)).all(-1)


def _focused(model, x, y, a, b, n):
    """log(p(x, z) * cell area) at the midpoints of an n x n grid over the box [a, b]."""
    z, area, _ = _grid(a, b, n)
    return log_joint(model, x, z, y) + math.log(area)


@torch.no_grad()
def elbo_estimate(model: VAE, x, n_samples=1000, generator=None):
    """ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)): closed-form KL, Monte Carlo reconstruction."""
    x = x.reshape(1, -1)
    mu, logvar = model.encode(x)
    z = model.reparameterize(mu, logvar, n_samples, generator)  # (L, 1, D)
    recon = reconstruction_nll(x, model.decode(z), model.config)  # (L, 1)
    return (-recon.mean() - kl_divergence(mu, logvar)[0]).item()


@torch.no_grad()
def iwae_bound(model: VAE, x, k=1000, generator=None):
    """log (1/K) sum_k p(x, z_k) / q(z_k|x), z_k ~ q(z|x): a lower bound on log p(x) that tightens as K grows."""
    x = x.reshape(1, -1)
    mu, logvar = model.encode(x)
    z = model.reparameterize(mu, logvar, k, generator)[:, 0]  # (K, D)
    log_w = log_joint(model, x[0], z) - log_q(z, mu[0], logvar[0])
    return (torch.logsumexp(log_w, 0) - math.log(k)).item()
