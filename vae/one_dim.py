"""Small one-dimensional examples behind the ideas of the ELBO: probability vs likelihood, and the two
directions of the KL divergence. Closed forms where they exist; plain grid quadrature elsewhere."""
import math

import numpy as np
import torch


def normal_pdf(x, mean, std):
    """Height of the normal density at x: as a function of (mean, std) for fixed x, the likelihood."""
    return math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def normal_cdf(x, mean, std):
    return 0.5 * (1.0 + math.erf((x - mean) / (std * math.sqrt(2.0))))


def interval_probability(a, b, mean, std):
    """P(a < X < b) for X ~ N(mean, std^2): the area under the density between a and b."""
    return normal_cdf(b, mean, std) - normal_cdf(a, mean, std)


def log_normal(x, mean, std):
    """log N(x; mean, std^2) at the points x (a tensor), in x's precision."""
    return -0.5 * ((x - mean) / std) ** 2 - torch.log(torch.as_tensor(std, dtype=x.dtype)) - 0.5 * math.log(2 * math.pi)


def log_mixture(x, weights, means, stds):
    """log of sum_k w_k N(x; m_k, s_k^2) for a 1-D Gaussian mixture, at the points x."""
    comps = torch.stack([math.log(w) + log_normal(x, m, s) for w, m, s in zip(weights, means, stds)])
    return torch.logsumexp(comps, 0)


def kl_on_grid(log_p, log_q, dx):
    """KL(p || q) = ∫ p (log p - log q) dx by the midpoint rule on a fine grid."""
    return (log_p.exp() * (log_p - log_q)).sum().item() * dx


def fit_forward_kl(weights, means, stds):
    """argmin over Gaussians q of KL(p || q): q matches p's mean and variance (moment matching, exact)."""
    mean = sum(w * m for w, m in zip(weights, means))
    second = sum(w * (s**2 + m**2) for w, m, s in zip(weights, means, stds))
    return mean, math.sqrt(second - mean**2)


def reverse_kl(weights, means, stds, m, s, n=40):
    """KL(N(m, s^2) || p) for a mixture p, for many candidates m, s at once (tensors of equal shape):
    -entropy(q) - E_q[log p], the expectation by n-point Gauss-Hermite quadrature."""
    t, w = (torch.from_numpy(a) for a in np.polynomial.hermite.hermgauss(n))
    x = m[..., None] + math.sqrt(2.0) * s[..., None] * t
    expected_log_p = (w * log_mixture(x, weights, means, stds)).sum(-1) / math.sqrt(math.pi)
    entropy = 0.5 * torch.log(2 * math.pi * math.e * s**2)
    return -entropy - expected_log_p


def fit_reverse_kl(weights, means, stds, rounds=3):
    """argmin over Gaussians q of KL(q || p), by a grid search over (mean, std) that zooms in `rounds` times.

    KL(q || p) is an expectation under q, so q is only penalised where it puts mass: when p's modes are far
    apart the best q sits inside one of them instead of spreading over both.
    """
    lo_m, hi_m = min(means) - 3 * max(stds), max(means) + 3 * max(stds)
    lo_s, hi_s = 0.05, (hi_m - lo_m) / 2
    for _ in range(rounds):
        m, s = torch.meshgrid(torch.linspace(lo_m, hi_m, 161, dtype=torch.float64),
                              torch.linspace(lo_s, hi_s, 81, dtype=torch.float64), indexing="ij")
        kl = reverse_kl(weights, means, stds, m, s)
        i, j = divmod(int(torch.argmin(kl)), kl.shape[1])
        dm, ds = (hi_m - lo_m) / 160, (hi_s - lo_s) / 80
        best = m[i, j].item(), s[i, j].item()
        lo_m, hi_m = best[0] - 4 * dm, best[0] + 4 * dm
        lo_s, hi_s = max(1e-3, best[1] - 4 * ds), best[1] + 4 * ds
    return best
