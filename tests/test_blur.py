"""Blur measures: blurring raises them (or lowers steepness), and real digits beat both shipped decoders."""
import pytest
import torch
import torch.nn.functional as F

from vae.blur import binary_entropy_bits, blur_measures, edge_steepness, grey_share
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint


def box_blur(x, size=3):
    """An independent blur: each pixel becomes the mean of its size x size neighbourhood."""
    images = x.reshape(-1, 1, 28, 28)
    return F.avg_pool2d(F.pad(images, [size // 2] * 4, mode="replicate"), size, stride=1).reshape(len(x), -1)


def test_measures_by_hand():
    x = torch.zeros(1, 28, 28)
    x[0, :, 14:] = 1.0  # a vertical edge, black to white in one step
    assert grey_share(x).item() == 0.0
    assert binary_entropy_bits(x).item() == pytest.approx(0.0, abs=1e-3)
    assert edge_steepness(x).item() == pytest.approx(1.0)
    ramp = torch.linspace(0, 1, 5)  # the same edge spread over four steps of 0.25
    x[0, :, 12:17] = ramp
    x[0, :, 17:] = 1.0
    assert edge_steepness(x).item() == pytest.approx(0.25)
    assert grey_share(x).item() == pytest.approx(3 * 28 / 784)  # the 0.25, 0.5 and 0.75 columns
    assert binary_entropy_bits(torch.full((1, 784), 0.5)).item() == pytest.approx(1.0)


def test_blurred_digits_score_blurrier(mnist):
    x = mnist.x_test[:500]
    sharp, blurred = blur_measures(x), blur_measures(box_blur(x))
    assert blurred["grey_share"] > 1.5 * sharp["grey_share"]
    assert blurred["entropy_bits"] > 1.5 * sharp["entropy_bits"]
    assert blurred["edge_steepness"] < 0.7 * sharp["edge_steepness"]
    per_image = edge_steepness(box_blur(x)) < edge_steepness(x)
    assert per_image.all()


@pytest.mark.parametrize("name", ["bce", "mse"])
def test_real_digits_are_sharper_than_shipped_reconstructions(mnist, name):
    x = mnist.x_test[:2000]
    model = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model
    with torch.no_grad():
        recon = model.decode_images(model.encode(x)[0])
        samples = model.decode_images(torch.randn(2000, 2, generator=torch.Generator().manual_seed(0)))
    real = blur_measures(x)
    for outputs in (blur_measures(recon), blur_measures(samples)):
        assert outputs["grey_share"] > 2 * real["grey_share"]
        assert outputs["entropy_bits"] > 2 * real["entropy_bits"]
        assert outputs["edge_steepness"] < 0.6 * real["edge_steepness"]
