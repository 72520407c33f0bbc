"""Loss terms as pure functions. Every per-image term is in nats, summed over pixels or latent dimensions."""
import math

import torch
import torch.nn.functional as F

from vae.config import VAEConfig


def kl_divergence(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per image, in closed form (Kingma & Welling 2014, appendix B)."""
    return 0.5 * torch.sum(mu.pow(2) + logvar.exp() - 1.0 - logvar, dim=-1)


def bernoulli_nll(x, logits):
    """-log p(x|z) for independent Bernoulli pixels with p = sigmoid(logits), summed over the 784 pixels.

    Fractional x (grey MNIST pixels) gives the cross-entropy pytorch/examples reports; binarized x gives
    an exact negative log-likelihood.
    """
    return F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)


def gaussian_nll(x, mean, sigma):
    """-log N(x; mean, sigma^2 I) summed over pixels: squared error / (2 sigma^2) plus the normalising constant."""
    const = 0.5 * math.log(2.0 * math.pi * sigma**2)
    return ((x - mean).pow(2) / (2.0 * sigma**2) + const).sum(-1)


def reconstruction_nll(x, logits, config: VAEConfig):
    """-log p(x|z) per sample and image: (L, B) for logits (L, B, 784) and x (B, 784)."""
    if config.likelihood == "bce":
        return bernoulli_nll(x, logits)
    return gaussian_nll(x, torch.sigmoid(logits), config.sigma)


def notes_loss(x, out):
    """The reference notes' loss, as written there: F.mse_loss averaged over pixels, KL averaged over the batch.

    The notes' decoder ends in Tanh on images in [-1, 1]; we compare in that scale (2p - 1 against 2x - 1).
    Averaging over 784 pixels weighs reconstruction ~784 times less than a per-image likelihood, which lets
    the KL term win: the posterior collapses onto the prior.
    """
    recon = F.mse_loss(2.0 * torch.sigmoid(out["logits"]) - 1.0, (2.0 * x - 1.0).expand_as(out["logits"]))
    kl = kl_divergence(out["mu"], out["logvar"]).mean()
    return {"loss": recon + kl, "recon": recon, "kl": kl}


def elbo_terms(x, out, config: VAEConfig, kl_weight: float = 1.0, free_bits: float = 0.0):
    """Negative ELBO with L Monte Carlo samples (the notes' final estimator), averaged over the batch.

    loss = mean_i [ (1/L) sum_l -log p(x_i | z_il) + beta * KL(q(z|x_i) || p(z)) ], with recon and kl unweighted.
    "objective" is what training descends: the loss, unless a KL warm-up (kl_weight < 1) or free bits change it.
    For likelihood "notes" it is the notes' own loss instead (see notes_loss), taken literally.
    A plain autoencoder (config.variational False) has no KL term: its loss is the reconstruction alone.
    """
    x = x.reshape(x.shape[0], -1)
    if config.likelihood == "notes":
        terms = notes_loss(x, out)
        return {**terms, "objective": terms["loss"]}
    recon = reconstruction_nll(x, out["logits"], config).mean(0)
    if not config.variational:
        zero = recon.new_zeros(())
        return {"loss": recon.mean(), "recon": recon.mean(), "kl": zero, "objective": recon.mean()}
    kl = kl_divergence(out["mu"], out["logvar"])
    loss = (recon + config.beta * kl).mean()
    kl_charged = kl.mean()
    if free_bits > 0:
        # Free bits (Kingma et al. 2016, "Improved variational inference with inverse autoregressive flow",
        # eq. 13): each latent dimension's batch-mean KL is charged at least `free_bits` nats, so the
        # optimiser gains nothing by switching a dimension off. Inactive once every dimension carries more.
        kl_dims = 0.5 * (out["mu"].pow(2) + out["logvar"].exp() - 1.0 - out["logvar"]).mean(0)
        kl_charged = kl_dims.clamp(min=free_bits).sum()
    objective = recon.mean() + kl_weight * config.beta * kl_charged
    return {"loss": loss, "recon": recon.mean(), "kl": kl.mean(), "objective": objective}
