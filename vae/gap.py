"""Where the ELBO loses, for one image in a 2-D latent space (Cremer, Li & Duvenaud 2018, "Inference suboptimality"):

    log p(x) - ELBO(encoder's q) = [log p(x) - ELBO(q*)] + [ELBO(q*) - ELBO(encoder's q)]
                                    approximation gap       amortization gap

q* is the Gaussian with the highest ELBO for this image alone: what the encoder, one network shared by every image,
would output if it were perfect. With a diagonal q* (the encoder's family) the first bracket is what no encoder of
that family can recover; a full-covariance q* splits it further, into what the diagonal costs and what any
Gaussian costs. Every term is a quadrature, not a sample: log p(x) on the grid of vae.marginal, and ELBO(q) as
E_q[log p(x|z)] on a grid in q's own frame (z = m + L u) plus the closed-form KL to the prior. q* is found by
Newton's method on the same ELBO by Gauss-Hermite quadrature, which is smooth in q's parameters.

A Gaussian is held as theta = (m1, m2, log L11, log L22, L21), L the Cholesky factor of its covariance; a
diagonal one has L21 = 0.
"""
import math

import numpy as np
import torch

from vae.losses import reconstruction_nll
from vae.marginal import log_likelihood, log_marginal_grid
from vae.model import VAE

# Gauss-Hermite nodes a side while fitting: 6 finds the optimum cheaply where log p(x|z) is smooth over q (most
# images), 16 then polishes it where it is not (a wide q under beta = 16 was a nat short with 6 alone).
FIT_NODES = (6, 16)
GRID = 64  # points a side of elbo_on_grid, the rule of the numbers shown
MISSED = 1e-3  # nats of ELBO(q*) above log p(x) that send the quadrature back to q*'s box (split)


def from_encoder(mu, logvar) -> torch.Tensor:
    """The encoder's q(z|x) = N(mu, diag(exp(logvar))) as theta: (B, 2) each -> (B, 5)."""
    return torch.cat([mu, 0.5 * logvar, torch.zeros_like(mu[:, :1])], -1)


def scale_tril(theta) -> torch.Tensor:
    """L (B, 2, 2), lower triangular with a positive diagonal, so that the covariance is L L^T."""
    zero = torch.zeros_like(theta[:, 0])
    return torch.stack([torch.stack([theta[:, 2].exp(), zero], -1), torch.stack([theta[:, 4], theta[:, 3].exp()], -1)], 1)


def kl_to_prior(theta) -> torch.Tensor:
    """KL(N(m, S) || N(0, I)) = (tr S + m^T m - 2 - log det S) / 2, S = L L^T, per row of theta."""
    trace = (2 * theta[:, 2]).exp() + (2 * theta[:, 3]).exp() + theta[:, 4] ** 2
    return 0.5 * (trace + theta[:, :2].pow(2).sum(-1) - 2.0 - 2.0 * (theta[:, 2] + theta[:, 3]))


def hermite(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The n x n Gauss-Hermite rule for E_{t ~ N(0, I/2)}: nodes (n*n, 2) and weights summing to 1."""
    t, w = (torch.from_numpy(a).float() for a in np.polynomial.hermite.hermgauss(n))
    ta, tb = torch.meshgrid(t, t, indexing="ij")
    return torch.stack([ta, tb], -1).reshape(-1, 2), (w[:, None] * w[None, :]).reshape(-1) / math.pi


def expected_log_lik(model: VAE, x, theta, n=FIT_NODES[-1]) -> torch.Tensor:
    """E_q[log p(x|z)] for each image x (B, 784) under its own Gaussian theta (B, 5), differentiable in theta."""
    nodes, weights = hermite(n)
    z = theta[:, None, :2] + math.sqrt(2.0) * (scale_tril(theta)[:, None] @ nodes[None, :, :, None])[..., 0]
    log_lik = -reconstruction_nll(x[:, None], model.decode(z), model.config)  # (B, n*n)
    return (log_lik * weights).sum(-1)


def elbo(model: VAE, x, theta, n=FIT_NODES[-1]) -> torch.Tensor:
    """ELBO(q) = E_q[log p(x|z)] - KL(q || p(z)) for each image x (B, 784) and Gaussian theta (B, 5), by n x n
    Gauss-Hermite nodes: differentiable and cheap, what the fit climbs. Accurate where log p(x|z) is smooth over q
    (q* hugs the posterior), not always under a wide q: see elbo_on_grid."""
    return expected_log_lik(model, x, theta, n) - kl_to_prior(theta)


@torch.no_grad()
def elbo_on_grid(model: VAE, x, theta, n=GRID, width=7.0) -> torch.Tensor:
    """The same ELBO with E_q[log p(x|z)] by the midpoint rule on an n x n grid over q's own frame, z = m + L u,
    u in [-width, width]^2 weighted by N(u; 0, I): the numbers shown. Gauss-Hermite's nodes crowd q's centre, and
    32 a side were 0.56 nats off for a wide encoder q under beta = 8 whose likelihood bends in its tail; this grid is
    within 1e-3 nats of one with 256 a side (tests/test_gap.py)."""
    step = 2 * width / n
    u = -width + step * (torch.arange(n) + 0.5)
    ua, ub = torch.meshgrid(u, u, indexing="ij")
    nodes = torch.stack([ua, ub], -1).reshape(-1, 2)
    weights = torch.exp(-0.5 * nodes.pow(2).sum(-1))
    weights = weights / weights.sum()
    out = []
    for xi, ti in zip(x, theta):
        z = ti[:2] + nodes @ scale_tril(ti[None])[0].T
        out.append((weights * log_likelihood(model, xi, z)).sum())
    return torch.stack(out) - kl_to_prior(theta)


def _gradient_and_hessian(model, x, theta, free, n):
    """The ELBO's gradient (B, P) and Hessian (B, P, P) in the first P = free entries of theta. The images'
    ELBOs do not depend on each other's parameters, so one Hessian-vector product with e_k in every image's block
    gives column k of all their Hessians at once."""
    with torch.enable_grad():
        t = theta[:, :free].detach().requires_grad_(True)
        f = elbo(model, x, torch.cat([t, theta[:, free:]], -1), n)
        (g,) = torch.autograd.grad(f.sum(), t, create_graph=True)
        cols = [torch.autograd.grad(g[:, k].sum(), t, retain_graph=k < free - 1)[0] for k in range(free)]
    h = torch.stack(cols, -1)
    return f.detach(), g.detach(), 0.5 * (h + h.transpose(1, 2))


def fit(model: VAE, x, theta, full: bool, stages=FIT_NODES) -> torch.Tensor:
    """q* for each image of x (B, 784): the Gaussian (diagonal, or full if `full`) of highest ELBO, found from theta
    (B, 5) with n x n Gauss-Hermite nodes for each n of `stages` in turn (newton)."""
    for n in stages:
        theta = newton(model, x, theta, full, n)
    return theta


def newton(model: VAE, x, theta, full: bool, n: int, iterations=40, tol=1e-5) -> torch.Tensor:
    """The ELBO (n x n nodes) of each image of x maximised over its Gaussian by Newton's method from theta (B, 5),
    each image on its own (deterministic). A step divides the gradient by the Hessian's
    eigenvalues taken positive plus a damping that shrinks after a step that raised the ELBO and grows after one
    that did not (which is then not taken): Newton near the optimum, a short gradient step far from it."""
    free = 5 if full else 4
    theta = theta.detach().clone()
    if not full:
        theta[:, 4] = 0.0
    damping = torch.full((len(x),), 1e-2)
    active = torch.arange(len(x))  # images still moving: a converged one costs nothing more
    for _ in range(iterations):
        xa, ta, da = x[active], theta[active], damping[active]
        f, g, h = _gradient_and_hessian(model, xa, ta, free, n)
        values, vectors = torch.linalg.eigh(-h)
        step = vectors @ ((vectors.transpose(1, 2) @ g[..., None]) / (values.abs() + da[:, None])[..., None])
        trial = ta.clone()
        trial[:, :free] += step[..., 0]
        with torch.no_grad():
            better = elbo(model, xa, trial, n) > f
        theta[active[better]] = trial[better]
        damping[active] = torch.where(better, da / 4, da * 8).clamp(1e-8, 1e8)
        done = (g.abs().amax(-1) < tol) | (step[..., 0].abs().amax(-1) < tol) | (damping[active] >= 1e8)
        active = active[~done]
        if len(active) == 0:
            break
    return theta


def box(theta, k=6.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The corners of the box m ± k standard deviations of one Gaussian theta (5,)."""
    cov = scale_tril(theta[None])[0] @ scale_tril(theta[None])[0].T
    half = k * cov.diagonal().sqrt()
    return theta[:2] - half, theta[:2] + half


def posterior_starts(axes, log_posterior) -> torch.Tensor:
    """Two Gaussians from the exact posterior on its grid, (2, 5): its mean and covariance, and its highest cell with
    a tenth of that covariance. Where the posterior has two modes and the encoder's q sits in the smaller one, a fit
    from q climbs that one's hill; from these it finds the other's (a digit under bce: 26 nats higher)."""
    a, b = (torch.as_tensor(np.asarray(t), dtype=torch.float64) for t in axes)
    p = torch.as_tensor(np.asarray(log_posterior), dtype=torch.float64)
    p = torch.exp(p - p.max())
    p = p / p.sum()
    z = torch.stack(torch.meshgrid(a, b, indexing="ij"), -1)  # (n, n, 2), the same indexing as the grid
    mean = (p[..., None] * z).sum((0, 1))
    d = z - mean
    cov = (p[..., None, None] * d[..., :, None] * d[..., None, :]).sum((0, 1))
    peak = z.reshape(-1, 2)[p.argmax()]
    out = []
    for m, c in ((mean, cov), (peak, cov / 10)):
        tril = torch.linalg.cholesky(c + 1e-9 * torch.eye(2))
        out.append(torch.stack([m[0], m[1], tril[0, 0].log(), tril[1, 1].log(), tril[1, 0]]))
    return torch.stack(out).float()


def _refit(model, x, diag, full, starts):
    """For images whose fit from the encoder may sit on the wrong hill: fits from `starts` (B, S, 5) too, each kept
    where its ELBO is higher; the full-covariance fits start from the diagonal q* as well, so full >= diagonal."""
    for k in range(starts.shape[1]):
        start = starts[:, k].clone()
        start[:, 4] = 0.0
        found = fit(model, x, start, full=False)
        better = elbo_on_grid(model, x, found) > elbo_on_grid(model, x, diag)
        diag[better] = found[better]
    for start in [diag] + [starts[:, k] for k in range(starts.shape[1])]:
        found = fit(model, x, start, full=True)
        better = elbo_on_grid(model, x, found) > elbo_on_grid(model, x, full)
        full[better] = found[better]
    return diag, full


@torch.no_grad()
def split(model: VAE, x, log_px=None, posteriors=None, retry=0.5) -> dict:
    """For each image of x (B, 784): log p(x) (quadrature, or as given), the ELBO of the encoder's q, of the best
    diagonal q* and of the best full-covariance q*, each by elbo_on_grid, and the gaps:
    amortization = ELBO(q*_diag) - ELBO(encoder), approximation = log p(x) - ELBO(q*_diag), the latter split into
    diagonal = ELBO(q*_full) - ELBO(q*_diag) and Gaussian = log p(x) - ELBO(q*_full). Arrays of B, and the thetas.
    Where the fit from the encoder leaves more than `retry` nats to log p(x), it is tried again from the posterior
    (posterior_starts; `posteriors`: each image's (axes, log_posterior), else from its own grid)."""
    if model.config.latent_dim != 2 or model.config.conditional:
        raise ValueError("the exact split needs an unconditional 2-D model")
    x = x.reshape(-1, 784)
    encoder = from_encoder(*model.encode(x))
    diag = fit(model, x, encoder, full=False)
    full = fit(model, x, diag, full=True)
    grids = {}
    if log_px is None:
        grids = {i: log_marginal_grid(model, xi) for i, xi in enumerate(x)}
        log_px = [grids[i]["log_px"] for i in range(len(x))]
    log_px = torch.as_tensor(log_px, dtype=torch.float32).clone()
    redo = torch.nonzero(log_px - elbo_on_grid(model, x, diag) > retry)[:, 0].tolist()
    if redo:
        grids = {i: grids.get(i) or log_marginal_grid(model, x[i]) for i in redo} if posteriors is None else grids
        post = [posteriors[i] if posteriors is not None else
                (grids[i]["axes"], grids[i]["log_joint"] - grids[i]["log_px"]) for i in redo]
        starts = torch.stack([posterior_starts(*p) for p in post])
        diag[redo], full[redo] = _refit(model, x[redo], diag[redo], full[redo], starts)
    # q* is the best of its family, and the encoder's q is a diagonal Gaussian too, the diagonal q* a full one: where
    # the fit (on Gauss-Hermite nodes, which a wide q's tail can fool) ends below either on the grid, it is replaced.
    # A digit under bce-b8 had the fit from the encoder end 1.6 nats below it.
    elbo_encoder, elbo_diag = elbo_on_grid(model, x, encoder), elbo_on_grid(model, x, diag)
    worse = elbo_diag < elbo_encoder
    diag[worse], elbo_diag[worse] = encoder[worse], elbo_encoder[worse]
    elbo_full = elbo_on_grid(model, x, full)
    worse = elbo_full < elbo_diag
    full[worse], elbo_full[worse] = diag[worse], elbo_diag[worse]
    out = {}
    for key, theta, value in (("encoder", encoder, elbo_encoder), ("diag", diag, elbo_diag), ("full", full, elbo_full)):
        out[f"elbo_{key}"] = value
        out[f"theta_{key}"] = theta
    # A bound above log p(x) means the quadrature missed mass that q* found: a mode narrower than its first grid's
    # cells (vae.marginal). Integrate again with q*'s box refined.
    for i in torch.nonzero(log_px < out["elbo_full"] - MISSED)[:, 0].tolist():
        log_px[i] = log_marginal_grid(model, x[i], focus=box(full[i]))["log_px"]
    out["log_px"] = log_px
    out["amortization"] = out["elbo_diag"] - out["elbo_encoder"]
    out["approximation"] = out["log_px"] - out["elbo_diag"]
    out["diagonal"] = out["elbo_full"] - out["elbo_diag"]
    out["gaussian"] = out["log_px"] - out["elbo_full"]
    return {k: v.numpy() for k, v in out.items()}
