"""Points of the latent space and what the model makes of them: a point decoded, samples from the prior, one
image's q(z|x), and the prior's quantiles that split each axis into equally likely slices."""
import numpy as np
import torch


def decode_point(model, z) -> np.ndarray:
    """The decoder's mean image (28, 28) in [0, 1] at the latent point z (two numbers), in float32."""
    return model.decode_images(torch.tensor(z, dtype=torch.float32)).numpy()


@torch.no_grad()
def encode_digit(model, x: np.ndarray) -> dict:
    """q(z|x) for one 28x28 image: its mean, standard deviations and the image decoded from the mean."""
    mu, logvar = model.encode(torch.as_tensor(x, dtype=torch.float32)[None])
    return {"mu": mu[0].numpy(), "std": torch.exp(0.5 * logvar)[0].numpy(),
            "recon": model.decode_images(mu)[0].numpy()}


@torch.no_grad()
def prior_samples(model, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points z ~ N(0, I) from a seeded generator, and their decoded images (n, 28, 28)."""
    z = torch.randn((n, model.config.latent_dim), generator=torch.Generator().manual_seed(seed))
    return z.numpy(), model.decode_images(z).numpy()


def prior_quantiles(n: int) -> list[float]:
    """The n points that split N(0, 1) into n equally likely slices, at each slice's middle quantile (k + 1/2) / n:
    a grid on them puts the same prior mass in every cell, as in Kingma & Welling (2014), figure 4."""
    p = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return torch.special.ndtri(p).tolist()


def pca_plane(mu: np.ndarray) -> dict:
    """The two directions along which the codes mu (N, D) vary most: orthonormal rows of `axes` (2, D), and the share
    of the codes' total variance each keeps. Signs are fixed (largest entry positive) so the map never flips."""
    centred = np.asarray(mu, dtype=np.float64) - np.mean(mu, axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2] * np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(1)])[:, None]
    return {"axes": axes, "share": (s[:2] ** 2 / (s ** 2).sum()).tolist()}


def slice_plane(origin, axes) -> dict:
    """The plane through `origin` (D,) spanned by two orthonormal directions `axes` (2, D). A map point (a, b) is
    z = offset + a * axes[0] + b * axes[1], where offset is origin without its part in the plane, so that the map's
    coordinates are the projections z . axes: the codes' projections and the prior's circles land where they belong."""
    origin, axes = np.asarray(origin, dtype=np.float64), np.asarray(axes, dtype=np.float64)
    return {"offset": origin - axes.T @ (axes @ origin), "axes": axes}


def slice_point(plane: dict, a: float, b: float) -> np.ndarray:
    """The latent point (D,) at map coordinates (a, b) of the slice."""
    return plane["offset"] + a * plane["axes"][0] + b * plane["axes"][1]


def project(plane: dict, z: np.ndarray) -> np.ndarray:
    """Map coordinates (N, 2) of latent points z (N, D): their components along the slice's two directions."""
    return np.asarray(z, dtype=np.float64) @ plane["axes"].T


def coordinate_axes(i: int, j: int, dim: int) -> np.ndarray:
    """Two coordinate directions e_i, e_j of a dim-dimensional latent space, as a (2, dim) array."""
    return np.eye(dim)[[i, j]]
