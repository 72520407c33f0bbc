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
