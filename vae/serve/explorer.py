"""What the latent explorer's browser code needs from a model, as plain arrays: the decoder's
layers and a square view of the map. (What the browser sends back is read by vae.serve.browser_values.)"""
import numpy as np
from torch import nn


def decoder_layers(model, plane: dict | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The decoder's Linear layers as float32 (weight (out, in), bias (out,)).

    The browser replays them as Linear, Tanh, ..., Linear, sigmoid; any other decoder is refused here rather
    than decoded wrongly there. With a `plane` (vae.latent.slice_plane) of a latent space of any size, the first
    layer is folded onto the slice: W z + b at z = offset + a u + b v is (W offset + b) + [W u, W v] (a, b), so the
    browser decodes the slice with a two-input layer, exactly as it decodes a 2-D model.
    """
    modules = list(model.decoder)
    linears = modules[0::2]
    if not all(isinstance(m, nn.Linear) for m in linears) or not all(isinstance(m, nn.Tanh) for m in modules[1::2]):
        raise ValueError("the decoder is not a Linear/Tanh stack")
    layers = [(m.weight.detach().double().numpy(), m.bias.detach().double().numpy()) for m in linears]
    if plane is not None:
        w, b = layers[0]
        layers[0] = (w @ plane["axes"].T, w @ plane["offset"] + b)
    return [(w.astype(np.float32), b.astype(np.float32)) for w, b in layers]


def square_view(mu: np.ndarray, quantile: float = 0.001, pad: float = 0.08) -> list[float]:
    """[x0, x1, y0, y1]: a square around the central 99.8% of the points, with equal units on both axes
    (so the prior's circles stay round) and always containing the prior's 2-sigma circle."""
    lo = np.minimum(np.quantile(mu, quantile, axis=0), -2.0)
    hi = np.maximum(np.quantile(mu, 1 - quantile, axis=0), 2.0)
    centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * (1 + pad)
    return [float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half)]



def class_decoder_layers(model) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """A conditional decoder as a browser decodes it for each class: its first layer reads [z, y] with y one-hot,
    so for class k, W [z, y] + b = W_z z + (b + W_y[:, k]), a layer of z alone whose bias depends on the class.
    Returns the layers, the first cut to its z columns, and the ten classes' biases of the first layer (10, out)."""
    layers = decoder_layers(model)
    w, b = layers[0]
    d = model.config.latent_dim
    biases = b.astype(np.float64)[None] + w[:, d:].T.astype(np.float64)
    layers[0] = (np.ascontiguousarray(w[:, :d]), b)
    return layers, biases.astype(np.float32)
