"""A conditional VAE is a classifier with no classifier, by Bayes' rule: p(y|x) = p(x|y) p(y) / p(x).

With a 2-D latent space, each class's log p(x|y) = log ∫ p(x|z, y) p(z) dz is the same 2-D integral as the ELBO lab's
log p(x), and the same quadrature (vae.marginal.log_marginal_grid, given the class) evaluates it to about 1e-3 nats.
So p(x) = Σ_y p(y) p(x|y) is exact as well, and so is every p(y|x).

The prior over classes is uniform, p(y) = 1/10. (Each class holds 9.0% to 11.2% of MNIST's training images and
exactly 10% of Fashion-MNIST's: the training frequencies would move MNIST's log p(y) by at most 0.12 nats.)
"""
import math

import torch

from vae.marginal import log_marginal_grid
from vae.model import N_CLASSES, VAE, one_hot

LOG_PRIOR = -math.log(N_CLASSES)  # log p(y), uniform
GRID = (64, 64, 112)  # vae.marginal's grids: about 1e-3 nats on each log p(x|y)


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


def class_scores(model: VAE, x, sizes=GRID) -> torch.Tensor:
    """log p(x|y) (N, 10) for images x (N, 784): the generative classifier's scores. With a uniform p(y) its guess,
    the most probable class a posteriori, is the row's argmax."""
    return torch.stack([class_log_likelihoods(model, xi, sizes) for xi in x.reshape(len(x), -1)])
