"""Uploaded digits: MNIST's normalisation, and untrusted files refused with a clear message."""
import io

import numpy as np
import pytest
from PIL import Image

from vae.serve.digit_image import MAX_BYTES, DigitImageError, normalise_digit, read_image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def centre_of_mass(x):
    return (x.sum(1) * np.arange(28)).sum() / x.sum(), (x.sum(0) * np.arange(28)).sum() / x.sum()


def test_a_bar_anywhere_becomes_an_mnist_sized_centred_bar():
    ink = np.zeros((300, 200), dtype=np.float32)
    ink[20:120, 150:170] = 1.0  # tall, off-centre
    x = normalise_digit(ink)
    assert x.shape == (28, 28) and x.dtype == np.float32
    rows = np.flatnonzero((x > 0.1).any(axis=1))
    assert rows[-1] - rows[0] + 1 == 20  # the longer side scaled to 20 pixels
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_mnist_digits_keep_their_place_and_size(mnist):
    for x in mnist.x_test[:50].numpy().reshape(-1, 28, 28):
        y = normalise_digit(x)
        assert np.allclose(centre_of_mass(y), centre_of_mass(x), atol=1.0)


def test_dark_ink_on_white_paper_is_inverted_to_mnists_white_on_black():
    paper = np.full((100, 100), 255, dtype=np.uint8)
    paper[30:70, 45:55] = 0
    grey = read_image(png(Image.fromarray(paper)))
    assert grey[50, 50] == 1.0 and grey[0, 0] == 0.0


def test_transparent_background_counts_as_paper():
    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (25, 10, 35, 50))
    grey = read_image(png(image))
    assert grey[30, 30] == 1.0 and grey[0, 0] == 0.0


@pytest.mark.parametrize("data, message", [
    (b"not an image", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not an image"),
    (b"\0" * (MAX_BYTES + 1), "limit is"),
])
def test_bad_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(DigitImageError, match=message):
        read_image(data)


def test_huge_images_are_refused_before_decoding():
    with pytest.raises(DigitImageError, match="4096x4096"):
        read_image(png(Image.new("L", (5000, 4000))))


def test_blank_images_are_refused():
    with pytest.raises(DigitImageError, match="blank"):
        normalise_digit(read_image(png(Image.new("L", (40, 40), 255))))
