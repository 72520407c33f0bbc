"""The VAE of record: encoder 784-196-48 (Tanh), heads 48-16-2 for mu and log-variance, decoder 2-16-48-196-784."""
import torch
from torch import nn

from vae.config import VAEConfig

N_PIXELS = 28 * 28


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
        self.encoder = mlp((N_PIXELS, *hidden), last_activation=True)
        self.mu_head = mlp((hidden[-1], config.head_hidden, config.latent_dim))
        if config.variational:
            self.logvar_head = mlp((hidden[-1], config.head_hidden, config.latent_dim))
        # The decoder ends in logits, not the notes' final Tanh: every likelihood reads its pixel mean as
        # sigmoid(logits) on [0, 1], which is exactly the notes' tanh output on [-1, 1] mapped to [0, 1]
        # (sigmoid(a) = (tanh(a / 2) + 1) / 2), while the Bernoulli loss gets the logits it needs for stability.
        self.decoder = mlp((config.latent_dim, *config.decoder_hidden, N_PIXELS))

    def encode(self, x):
        """x: (B, 784) or (B, 28, 28) pixels in [0, 1] -> mu, logvar: (B, D).

        A plain autoencoder encodes to a point: its logvar is -inf, the sigma -> 0 limit of a Gaussian.
        """
        h = self.encoder(x.reshape(x.shape[0], N_PIXELS))
        mu = self.mu_head(h)
        if not self.config.variational:
            return mu, torch.full_like(mu, -torch.inf)
        return mu, self.logvar_head(h).clamp(self.config.logvar_min, self.config.logvar_max)

    def decode(self, z):
        """z: (..., D) -> logits: (..., 784)."""
        return self.decoder(z)

    @staticmethod
    def reparameterize(mu, logvar, n_samples=1, generator=None):
        """z = mu + sigma * eps with eps ~ N(0, I): (L, B, D). The randomness sits outside mu and sigma."""
        eps = torch.randn((n_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward(self, x, n_samples=1, generator=None):
        mu, logvar = self.encode(x)
        if self.config.variational:
            z = self.reparameterize(mu, logvar, n_samples, generator)
        else:
            z = mu.expand(n_samples, *mu.shape)
        return {"mu": mu, "logvar": logvar, "z": z, "logits": self.decode(z)}

    @torch.no_grad()
    def decode_images(self, z):
        """Mean images (..., 28, 28) in [0, 1] for latent points z (..., D)."""
        return torch.sigmoid(self.decode(z)).reshape(*z.shape[:-1], 28, 28)
