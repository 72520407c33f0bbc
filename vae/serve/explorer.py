"""What the latent explorer's browser code needs from a model, as plain arrays: the decoder's
layers and a square view of the map. (What the browser sends back is read by vae.serve.browser_values.)"""
import numpy as np
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

