"""Blurriness of images with pixels in [0, 1], as pure functions returning per-image values or dicts of means.

Every measure reads a pixel value as the probability that the pixel is ink: for a decoder's output that is
its mean image, for a real MNIST digit its grey level.
"""
from types import MappingProxyType

import torch

GREY_LOW, GREY_HIGH = 0.2, 0.8


def _images(x) -> torch.Tensor:
    x = torch.as_tensor(x, dtype=torch.float32)
    return x.reshape(-1, 28, 28)


def grey_share(x, low=GREY_LOW, high=GREY_HIGH) -> torch.Tensor:
    """Share of pixels left undecided, low < p < high: (N,) in [0, 1]."""
    x = _images(x)
    return ((x > low) & (x < high)).float().mean((1, 2))


def binary_entropy_bits(x) -> torch.Tensor:
    """Mean per-pixel entropy of Bernoulli(p) in bits: (N,). 0 for a black-and-white image, 1 for all p = 0.5."""
    p = _images(x).clamp(1e-6, 1 - 1e-6)
    return -(p * torch.log2(p) + (1 - p) * torch.log2(1 - p)).mean((1, 2))


def edge_steepness(x) -> torch.Tensor:
    """Typical intensity change per pixel step across edges: sum |g|^2 / sum |g| over the image, (N,).

    Plain mean gradient magnitude barely sees blur: smearing a 0-to-1 edge over w pixels keeps the sum of
    |g| at 1. The weighted mean falls as 1/w, so it reads as "how many grey levels per pixel an edge climbs".
    """
    x = _images(x)
    dx = x[:, :-1, 1:] - x[:, :-1, :-1]
    dy = x[:, 1:, :-1] - x[:, :-1, :-1]
    g = torch.sqrt(dx**2 + dy**2)
    return (g**2).sum((1, 2)) / g.sum((1, 2)).clamp(min=1e-8)


MEASURES = MappingProxyType({"grey_share": grey_share, "entropy_bits": binary_entropy_bits,
                             "edge_steepness": edge_steepness})


def blur_measures(x) -> dict:
    """Means over the images of every measure in MEASURES, as floats."""
    return {name: fn(x).mean().item() for name, fn in MEASURES.items()}
