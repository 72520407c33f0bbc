"""Uploaded digit images that a careless reader gets wrong: each is normalised like its plain 8-bit twin, or refused
with a DigitImageError that says why. The oracle for every odd encoding is the same digit saved as a plain 8-bit PNG."""
import io
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from vae.serve.digit_image import DigitImageError, normalise_digit, read_image


def encode(image: Image.Image, fmt="PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def digit(mnist) -> np.ndarray:
    """An MNIST 7 at 112x112, dark ink on white paper as a phone photo or a drawing program would give it."""
    ink = Image.fromarray((255 * mnist.x_test[0].numpy().reshape(28, 28)).astype(np.uint8))
    return 255 - np.asarray(ink.resize((112, 112), Image.Resampling.BILINEAR))


def normalised(data: bytes) -> np.ndarray:
    return normalise_digit(read_image(data))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb(side=30000) -> bytes:
    """A valid 1-bit PNG of side x side black pixels: about 110 kB that Pillow would decode into side² bytes."""
    z = zlib.compressobj(9)
    rows = bytes(1 + (side + 7) // 8) * 1000  # each row: filter byte 0, then the packed bits
    idat = b"".join(z.compress(rows) for _ in range(side // 1000)) + z.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


@pytest.mark.parametrize("data", [
    np.random.default_rng(0).bytes(4096),
    "A digit 7, described in words rather than drawn.\n".encode() * 20,
    b"\x89PNG\r\n\x1a\n" + np.random.default_rng(1).bytes(200),  # a PNG signature, then noise
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n",  # EPS: Pillow would hand it to Ghostscript
], ids=["random", "text", "png-signature", "eps"])
def test_files_that_are_not_pngs_or_jpegs_are_refused(data):
    with pytest.raises(DigitImageError, match="not an image that can be read"):
        read_image(data)


def test_a_png_cut_short_is_refused(digit):
    data = encode(Image.fromarray(digit))
    with pytest.raises(DigitImageError, match="not an image that can be read"):
        read_image(data[:len(data) // 2])


@pytest.mark.parametrize("pillow_limit", [Image.MAX_IMAGE_PIXELS, None])
def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch, pillow_limit):
    """30000x30000 pixels in 110 kB. Refused from the header alone, whether or not Pillow's own limit is on."""
    data = bomb()
    assert len(data) < 200_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("the bomb was decoded"))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(DigitImageError, match="4096x4096"):
            read_image(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6 and time.perf_counter() - start < 2


def test_sixteen_bit_grey_is_scaled_not_clipped(digit):
    """Pillow's convert("L") clips 16-bit levels at 255: mid-grey ink on white paper would all turn white."""
    for ink in (0, 20000):  # black ink, and a pencil-grey one
        grey16 = np.where(digit < 128, ink, 65535).astype(np.uint16)
        grey8 = np.round(grey16 / 257).astype(np.uint8)
        image16 = Image.fromarray(grey16)
        assert image16.mode == "I;16"
        np.testing.assert_allclose(normalised(encode(image16)), normalised(encode(Image.fromarray(grey8))),
                                   atol=2e-3)
    np.testing.assert_allclose(normalised(encode(Image.fromarray(digit.astype(np.uint16) * 257))),
                               normalised(encode(Image.fromarray(digit))), atol=1e-6)


def test_transparency_counts_as_paper_in_every_mode(digit):
    reference = normalised(encode(Image.fromarray(digit)))
    alpha = Image.fromarray(255 - digit)  # opaque where the ink is, see-through elsewhere
    rgba = Image.merge("RGBA", [Image.new("L", alpha.size, 0)] * 3 + [alpha])  # black ink on transparent black
    for name, data in {"RGBA": encode(rgba), "LA": encode(rgba.convert("LA")),
                       "P": encode(Image.fromarray(digit).convert("P"))}.items():
        np.testing.assert_allclose(normalised(data), reference, atol=0.02, err_msg=name)
    # RGB with a colour key (PNG's tRNS chunk): grey ink 60 on black marked see-through is dark ink on white paper
    stroke = digit < 128
    keyed = Image.fromarray(np.where(stroke, 60, 0).astype(np.uint8)).convert("RGB")
    twin = Image.fromarray(np.where(stroke, 60, 255).astype(np.uint8))
    np.testing.assert_allclose(normalised(encode(keyed, transparency=(0, 0, 0))), normalised(encode(twin)),
                               atol=1e-6)


def test_a_large_sparse_image_just_under_the_cap_is_normalised():
    ink = np.full((4000, 4000), 255, dtype=np.uint8)
    ink[1000:3000, 1900:2100] = 0  # a "1", 2000 pixels tall
    x = normalised(encode(Image.fromarray(ink)))
    rows = np.flatnonzero((x > 0.1).any(axis=1))
    assert x.shape == (28, 28) and rows[-1] - rows[0] + 1 == 20


@pytest.mark.parametrize("size", [(1, 1), (2, 3), (7, 40), (5000, 2)])
def test_tiny_or_thread_like_images_are_refused(size):
    image = Image.new("L", size, 255)
    image.putpixel((0, 0), 0)
    with pytest.raises(DigitImageError, match="too small to hold a digit"):
        read_image(encode(image))


def test_an_eight_by_eight_digit_is_still_read(digit):
    small = Image.fromarray(digit).resize((8, 8), Image.Resampling.BOX)
    x = normalised(encode(small))
    assert x.shape == (28, 28) and x.max() > 0.5
