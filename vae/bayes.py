"""A conditional VAE is a classifier with no classifier, by Bayes' rule: p(y|x) = p(x|y) p(y) / p(x).

With a 2-D latent space, each class's log p(x|y) = log ∫ p(x|z, y) p(z) dz is the same 2-D integral as the ELBO lab's
log p(x), and the same quadrature (vae.marginal.log_marginal_grid, given the class) evaluates it to about 1e-3 nats.
So p(x) = Σ_y p(y) p(x|y) is exact as well, and so is every p(y|x).

The prior over classes is uniform, p(y) = 1/10. (Each class holds 9.0% to 11.2% of MNIST's training images and
exactly 10% of Fashion-MNIST's: the training frequencies would move MNIST's log p(y) by at most 0.12 nats.)
"""
import math

import torch

from vae.marginal import _grid, log_marginal_grid, log_prior
from vae.model import N_CLASSES, VAE, one_hot

LOG_PRIOR = -math.log(N_CLASSES)  # log p(y), uniform
GRID = (64, 64, 112)  # vae.marginal's grids: about 1e-3 nats on each log p(x|y)
# The shared grid of class_scores' first pass: [-5, 5]^2 in cells of 0.05. For all 10,000 test images and every
# class, the shipped conditional models' encoders put q(z|x, y)'s mean within |z| < 3.7 and its standard deviations
# at 0.049 or more; the midpoint rule on a bell of standard deviation s with cells h is off by a relative
# 2 exp(-2 pi^2 s^2 / h^2), below 1e-7 for h = s. (A class the grid underestimated by more than MARGIN would be left
# out of the second pass: tests/test_bayes.py compares the guesses with those of the full quadrature.)
SHARED_RADIUS, SHARED_POINTS = 5.0, 200
MARGIN = 20.0  # nats below an image's best class within which class_scores computes a class again, one by one


def _check(model: VAE):
    if not model.config.conditional or model.config.latent_dim != 2:
        raise ValueError("Bayes' rule by quadrature needs a conditional model with a 2-D latent space")


def class_log_likelihoods(model: VAE, x, sizes=GRID) -> torch.Tensor:
    """log p(x|y) for each of the ten classes y, (10,) in float64, for one image x (784,) or (28, 28)."""
    _check(model)
    x = x.reshape(-1)
    return torch.tensor([log_marginal_grid(model, x, sizes, y=y)["log_px"] for y in one_hot(torch.arange(N_CLASSES))],
                        dtype=torch.float64)


def bayes_rule(model: VAE, x, sizes=GRID) -> dict:
    """For one image: log p(x|y) per class, log p(x) = logsumexp_y(log p(y) + log p(x|y)), and p(y|x) (10,),
    which sums to 1."""
    log_lik = class_log_likelihoods(model, x, sizes)
    log_joint = log_lik + LOG_PRIOR
    log_px = torch.logsumexp(log_joint, 0)
    return {"log_px_given_y": log_lik, "log_px": log_px.item(), "p_y_given_x": (log_joint - log_px).exp()}


def _log_lik_many(x, logits, config) -> torch.Tensor:
    """log p(x_i|z_j) (N, G) for images x (N, 784) and the decoder's logits at G points (G, 784), as matrix products:
    Bernoulli sum_k x_k l_k - softplus(l_k), Gaussian -|x - m|^2 / (2 sigma^2) + its constant."""
    if config.likelihood == "bce":
        return x @ logits.T - torch.nn.functional.softplus(logits).sum(-1)
    m = torch.sigmoid(logits)
    squares = x.pow(2).sum(-1, keepdim=True) - 2 * x @ m.T + m.pow(2).sum(-1)
    return -squares / (2 * config.sigma**2) - x.shape[-1] * 0.5 * math.log(2 * math.pi * config.sigma**2)


@torch.inference_mode()
def shared_grid_scores(model: VAE, x, radius=SHARED_RADIUS, n=SHARED_POINTS, chunk=4000) -> torch.Tensor:
    """log p(x|y) (N, 10) for images x (N, 784), by the midpoint rule on one n x n grid over [-radius, radius]^2 that
    every image shares. The decoder's output at a fixed point does not depend on the image, so each class's grid is
    decoded once, and every image is scored against it at once, by a matrix product."""
    _check(model)
    x = x.reshape(len(x), -1)
    z, area, _ = _grid(torch.tensor([-radius, -radius]), torch.tensor([radius, radius]), n)
    out = torch.empty(len(x), N_CLASSES, dtype=torch.float64)
    for c, y in enumerate(one_hot(torch.arange(N_CLASSES))):
        parts = [torch.logsumexp(_log_lik_many(x, model.decode(zc, y), model.config) + log_prior(zc), 1)
                 for zc in z.split(chunk)]  # each (N,): the sum over a chunk of the grid, in logs
        out[:, c] = torch.logsumexp(torch.stack(parts), 0).double() + math.log(area)
    return out


def class_scores(model: VAE, x, sizes=GRID, margin=MARGIN) -> torch.Tensor:
    """log p(x|y) (N, 10) for images x (N, 784): the generative classifier's scores. With a uniform p(y) its guess,
    the most probable class a posteriori, is the row's argmax.

    Every class of every image first on the shared grid (shared_grid_scores); then each image's classes within
    `margin` nats of its best, one by one by the adaptive quadrature (log_marginal_grid), whose values replace the
    first pass's. A class left out holds less than e^-20 of p(x) and cannot be the guess unless the shared grid were
    off by 20 nats (tests/test_bayes.py compares the two passes)."""
    x = x.reshape(len(x), -1)
    scores = shared_grid_scores(model, x).clone()  # (a tensor made in inference mode is read-only outside it)
    for i, row in enumerate(scores):
        for c in torch.nonzero(row >= row.max() - margin).flatten().tolist():
            scores[i, c] = log_marginal_grid(model, x[i], sizes, y=one_hot(c))["log_px"]
    return scores
