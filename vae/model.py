"""The VAE of record: encoder 784-196-48 (Tanh), heads 48-16-2 for mu and log-variance, decoder 2-16-48-196-784.

A conditional one (config.conditional) takes the one-hot class y as well: the encoder reads 784 + 10 numbers, the
decoder 2 + 10, every other size the same.
"""
import torch
import torch.nn.functional as F
from torch import nn

from vae.config import VAEConfig

N_PIXELS = 28 * 28
N_CLASSES = 10


def one_hot(labels) -> torch.Tensor:
    """Class labels (...,) in 0..9 -> one-hot float rows (..., 10), the y a conditional model takes."""
    return F.one_hot(torch.as_tensor(labels, dtype=torch.long), N_CLASSES).float()


def mlp(sizes, last_activation=False) -> nn.Sequential:
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or last_activation:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig = VAEConfig()):
        super().__init__()
        self.config = config
        hidden = config.encoder_hidden
        n_y = N_CLASSES if config.conditional else 0
        self.encoder = mlp((N_PIXELS + n_y, *hidden), last_activation=True)
        self.mu_head = mlp((hidden[-1], config.head_hidden, config.latent_dim))
        if config.variational:
            self.logvar_head = mlp((hidden[-1], config.head_hidden, config.latent_dim))
        # The decoder ends in logits, not the notes' final Tanh: every likelihood reads its pixel mean as
        # sigmoid(logits) on [0, 1], which is exactly the notes' tanh output on [-1, 1] mapped to [0, 1]
        # (sigmoid(a) = (tanh(a / 2) + 1) / 2), while the Bernoulli loss gets the logits it needs for stability.
        self.decoder = mlp((config.latent_dim + n_y, *config.decoder_hidden, N_PIXELS))

    def _join(self, v, y):
        """v (..., n) with the one-hot class y (..., 10) appended, both broadcast to their common leading shape;
        v itself when the model is not conditional (y is then ignored)."""
        if not self.config.conditional:
            return v
        if y is None:
            raise ValueError("this is a conditional model: give the class y (one-hot, ..., 10) as well")
        if y.shape[-1] != N_CLASSES:
            raise ValueError(f"y must be one-hot rows of {N_CLASSES} classes, not of shape {tuple(y.shape)}")
        lead = torch.broadcast_shapes(v.shape[:-1], y.shape[:-1])
        return torch.cat([v.expand(*lead, v.shape[-1]), y.to(v.dtype).expand(*lead, N_CLASSES)], -1)

    def encode(self, x, y=None):
        """x: (B, 784) or (B, 28, 28) pixels in [0, 1] (and y: (B, 10) for a conditional model) -> mu, logvar: (B, D).

        A plain autoencoder encodes to a point: its logvar is -inf, the sigma -> 0 limit of a Gaussian.
        """
        h = self.encoder(self._join(x.reshape(x.shape[0], N_PIXELS), y))
        mu = self.mu_head(h)
        if not self.config.variational:
            return mu, torch.full_like(mu, -torch.inf)
        return mu, self.logvar_head(h).clamp(self.config.logvar_min, self.config.logvar_max)

    def decode(self, z, y=None):
        """z: (..., D) (and y: (..., 10), broadcast against z's leading dims) -> logits: (..., 784)."""
        return self.decoder(self._join(z, y))

    @staticmethod
    def reparameterize(mu, logvar, n_samples=1, generator=None):
        """z = mu + sigma * eps with eps ~ N(0, I): (L, B, D). The randomness sits outside mu and sigma."""
        eps = torch.randn((n_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward(self, x, y=None, n_samples=1, generator=None):
        mu, logvar = self.encode(x, y)
        if self.config.variational:
            z = self.reparameterize(mu, logvar, n_samples, generator)
        else:
            z = mu.expand(n_samples, *mu.shape)
        return {"mu": mu, "logvar": logvar, "z": z, "logits": self.decode(z, y)}

    @torch.no_grad()
    def decode_images(self, z, y=None):
        """Mean images (..., 28, 28) in [0, 1] for latent points z (..., D) (and classes y (..., 10), broadcast)."""
        logits = self.decode(z, y)
        return torch.sigmoid(logits).reshape(*logits.shape[:-1], 28, 28)
