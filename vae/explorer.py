"""What the latent explorer needs from a model, as plain arrays: the decoder's layers and a square view of the map."""
import numpy as np
import torch
from torch import nn


def decoder_layers(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The decoder's Linear layers as float32 (weight (out, in), bias (out,)).

    The browser replays them as Linear, Tanh, ..., Linear, sigmoid; any other decoder is refused here rather
    than decoded wrongly there.
    """
    modules = list(model.decoder)
    linears = modules[0::2]
    if not all(isinstance(m, nn.Linear) for m in linears) or not all(isinstance(m, nn.Tanh) for m in modules[1::2]):
        raise ValueError("the decoder is not a Linear/Tanh stack")
    return [(m.weight.detach().float().numpy(), m.bias.detach().float().numpy()) for m in linears]


def square_view(mu: np.ndarray, quantile: float = 0.001, pad: float = 0.08) -> list[float]:
    """[x0, x1, y0, y1]: a square around the central 99.8% of the points, with equal units on both axes
    (so the prior's circles stay round) and always containing the prior's 2-sigma circle."""
    lo = np.minimum(np.quantile(mu, quantile, axis=0), -2.0)
    hi = np.maximum(np.quantile(mu, 1 - quantile, axis=0), 2.0)
    centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * (1 + pad)
    return [float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half)]


def decode_point(model, z) -> np.ndarray:
    """The decoder's mean image (28, 28) in [0, 1] at the latent point z (two numbers), in float32."""
    return model.decode_images(torch.tensor(z, dtype=torch.float32)).numpy()


def parse_z(value) -> tuple[float, float] | None:
    """A z sent back by the browser: two finite numbers, or None for anything else."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in value):
        return None
    return float(value[0]), float(value[1])


@torch.no_grad()
def prior_samples(model, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points z ~ N(0, I) from a seeded generator, and their decoded images (n, 28, 28)."""
    z = torch.randn((n, model.config.latent_dim), generator=torch.Generator().manual_seed(seed))
    return z.numpy(), model.decode_images(z).numpy()


@torch.no_grad()
def encode_digit(model, x: np.ndarray) -> dict:
    """q(z|x) for one 28x28 image: its mean, standard deviations and the image decoded from the mean."""
    mu, logvar = model.encode(torch.as_tensor(x, dtype=torch.float32)[None])
    return {"mu": mu[0].numpy(), "std": torch.exp(0.5 * logvar)[0].numpy(),
            "recon": model.decode_images(mu)[0].numpy()}


def prior_quantiles(n: int) -> list[float]:
    """The n points that split N(0, 1) into n equally likely slices, at each slice's middle quantile (k + 1/2) / n:
    a grid on them puts the same prior mass in every cell, as in Kingma & Welling (2014), figure 4."""
    p = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return torch.special.ndtri(p).tolist()
