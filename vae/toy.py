"""Why a squared-error decoder outputs grey: fit one output to data that is 0 or 1, with MSE and with BCE.

The toy "images" are 1-D strokes of WIDTH pixels. With probability 1 - p the stroke covers pixels 1-3,
otherwise pixels 3-5: pixel 3 is always ink, pixels 1-2 and 4-5 are contested. A decoder that cannot tell
the two apart (like nearby latents in a VAE) has to give one output for both.
"""
import torch
import torch.nn.functional as F

WIDTH = 7
STROKES = ((1, 2, 3), (3, 4, 5))


def stroke_data(p: float, n: int, generator=None) -> torch.Tensor:
    """(n, WIDTH) images of 0s and 1s; each is the second stroke with probability p."""
    second = torch.rand(n, generator=generator) < p
    x = torch.zeros(n, WIDTH)
    for rows, pixels in ((~second, STROKES[0]), (second, STROKES[1])):
        x[rows.nonzero(), torch.tensor(pixels)] = 1.0
    return x


def fit_constant(x: torch.Tensor, loss: str, steps: int = 300, lr: float = 0.1) -> dict:
    """Fit one output image sigmoid(a), shared by every example, by Adam on `loss` ("mse" or "bce").

    Returns {"output": (WIDTH,) fitted pixel means, "trace": (steps, WIDTH) the output after each step}.
    Both losses are minimised by the per-pixel mean of x; they differ in what a sample from the fit looks like.
    """
    # Start every pixel at 0.1 rather than sigmoid(0) = 0.5, so the climb to the mean is visible for p = 0.5.
    a = torch.full((x.shape[1],), -2.1972246, requires_grad=True)
    optimizer = torch.optim.Adam([a], lr=lr)
    trace = []
    for _ in range(steps):
        if loss == "mse":
            value = (torch.sigmoid(a) - x).pow(2).mean()
        else:
            value = F.binary_cross_entropy_with_logits(a.expand_as(x), x)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        trace.append(torch.sigmoid(a.detach()).clone())
    return {"output": trace[-1], "trace": torch.stack(trace)}


def decoder_samples(mean: torch.Tensor, likelihood: str, n: int, sigma: float = 0.1, generator=None):
    """n draws from the decoder p(x|z) with pixel means `mean`: Bernoulli (0/1) or Gaussian with std sigma."""
    mean = mean.expand(n, *mean.shape)
    if likelihood == "bce":
        return torch.bernoulli(mean, generator=generator)
    return mean + sigma * torch.randn(mean.shape, generator=generator)


def contested_pixel(x: torch.Tensor, mu: torch.Tensor, index: int, k: int = 50) -> dict:
    """The k test digits encoded nearest to digit `index` and the pixel on which they disagree most.

    x: (N, 784) images, mu: (N, D) their latent means. Returns {"neighbours": (k,) indices, "pixel": int,
    "values": (k,) the neighbours' values at that pixel}: the targets one decoder output must serve.
    """
    neighbours = torch.cdist(mu[index:index + 1], mu)[0].topk(k, largest=False).indices
    pixel = int(x[neighbours].var(0).argmax())
    return {"neighbours": neighbours, "pixel": pixel, "values": x[neighbours, pixel]}
