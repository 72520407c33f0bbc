"""Posterior collapse, measured: how many nats each latent dimension carries, and which dimensions are in use.

A dimension u has collapsed when q(z_u|x) is the prior N(0, 1) whatever x is: its KL is 0 and its mean does not move
with the image. Burda et al. (2016, "Importance weighted autoencoders", section 5.2) count a unit as active when
A_u = Cov_x(E_q[z_u | x]) > 0.01; Kingma & Welling (2019, "An introduction to variational autoencoders", section
2.8) describe the collapse and the free bits and KL warm-up that keep it away.
"""
import torch

from vae.model import VAE

ACTIVE_THRESHOLD = 0.01  # Burda et al. 2016: a unit whose mean varies less than this over the data is inactive


def kl_per_dimension(mu, logvar) -> torch.Tensor:
    """KL(q(z_u|x) || N(0, 1)) of each dimension u in closed form, averaged over the images: (B, D) -> (D,).
    The dimensions' values sum to the mean of losses.kl_divergence, the KL of the whole code."""
    return (0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)).mean(0)


def activity(mu) -> torch.Tensor:
    """A_u = Cov_x(E_q[z_u]): the variance over the images of each dimension's posterior mean, (B, D) -> (D,)."""
    return mu.var(0, unbiased=False)


@torch.no_grad()
def collapse_measures(model: VAE, x, y=None, batch_size: int = 2000, threshold: float = ACTIVE_THRESHOLD) -> dict:
    """For images x (and their one-hot classes y, for a conditional model): each dimension's KL (nats, averaged over
    x) and activity A_u, and the number of active units. A plain autoencoder has no KL (it is None); its activity is
    that of its codes."""
    model.eval()
    batches = [(x[i:i + batch_size],) + (() if y is None else (y[i:i + batch_size],))
               for i in range(0, len(x), batch_size)]
    mu, logvar = map(torch.cat, zip(*(model.encode(*b) for b in batches)))
    a = activity(mu.double())
    kl = kl_per_dimension(mu.double(), logvar.double()) if model.config.variational else None
    return {"kl": None if kl is None else kl.numpy(), "activity": a.numpy(), "active": int((a > threshold).sum()),
            "threshold": threshold, "images": len(x)}


@torch.no_grad()
def traversal(model: VAE, z0, dim: int, values) -> torch.Tensor:
    """Decode while dimension `dim` runs through `values` and every other stays at z0 (D,): (len(values), 28, 28)."""
    z = torch.as_tensor(z0, dtype=torch.float32).repeat(len(values), 1)
    z[:, dim] = torch.as_tensor(values, dtype=torch.float32)
    return model.decode_images(z)
