"""Digit images, mutated structurally: every field of a PNG's IHDR (size, bit depth, colour type, compression,
filter, interlace), chunk lengths and CRCs, palettes and transparency, chunks dropped, repeated or reordered, image
data recompressed to the wrong size; a JPEG's frame header (precision, size, components, sampling), segment lengths,
tables and scan data; and both cut anywhere. read_image and normalise_digit return images in [0, 1] of the promised
shapes, or refuse with their own DigitImageError."""
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from contract import SETTINGS, within_contract
from vae.serve.digit_image import DigitImageError, normalise_digit, read_image

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _ring(side):
    yy, xx = np.mgrid[:side, :side] / side - 0.5
    return np.where(np.abs(np.hypot(yy, xx) - 0.3) < 0.08, 0, 255).astype(np.uint8)


def _encode(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def pngs():
    grey = Image.fromarray(_ring(20))
    return [_encode(grey.convert(mode), "PNG") for mode in ("1", "L", "LA", "P", "RGB", "RGBA")] + [
        _encode(grey, "PNG", interlace=1), _encode(grey.convert("P"), "PNG", transparency=0),
        _encode(Image.fromarray(_ring(12).astype(np.uint16) * 257), "PNG")]


@pytest.fixture(scope="module")
def jpegs():
    grey = Image.fromarray(_ring(24))
    return [_encode(grey, "JPEG"), _encode(grey.convert("RGB"), "JPEG", progressive=True),
            _encode(grey.convert("CMYK"), "JPEG"), _encode(grey.convert("RGB"), "JPEG", subsampling=2)]


def assert_contract(data: bytes):
    grey = within_contract(read_image, DigitImageError, data)
    if grey is None:
        return
    assert grey.ndim == 2 and grey.dtype == np.float32 and min(grey.shape) >= 8 and grey.size <= 4096 ** 2
    assert 0 <= grey.min() and grey.max() <= 1
    x = within_contract(normalise_digit, DigitImageError, grey)
    assert x is None or (x.shape == (28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1)


def chunks(png: bytes) -> list[list]:
    """[[type, data], ...] of a PNG."""
    out, i = [], len(SIGNATURE)
    while i < len(png):
        (n,) = struct.unpack(">I", png[i:i + 4])
        out.append([png[i + 4:i + 8], png[i + 8:i + 8 + n]])
        i += 12 + n
    return out


def png(parts, lengths=None, good_crc=True) -> bytes:
    body = b""
    for k, (kind, data) in enumerate(parts):
        n = len(data) if lengths is None or k not in lengths else lengths[k]
        crc = zlib.crc32(kind + data) if good_crc else 0
        body += struct.pack(">I", n % 2**32) + kind + data + struct.pack(">I", crc)
    return SIGNATURE + body


IHDR_FIELDS = {  # name: (struct format, offset, awkward values)
    "width": (">I", 0, [0, 1, 7, 8, 20, 4096, 4097, 2**31 - 1, 2**32 - 1]),
    "height": (">I", 4, [0, 1, 7, 8, 20, 4096, 4097, 2**31 - 1, 2**32 - 1]),
    "bit depth": (">B", 8, [0, 1, 2, 3, 4, 8, 16, 32, 255]),
    "colour type": (">B", 9, [0, 1, 2, 3, 4, 5, 6, 7, 255]),
    "compression": (">B", 10, [0, 1, 255]), "filter": (">B", 11, [0, 1, 255]), "interlace": (">B", 12, [0, 1, 2, 255]),
}


@SETTINGS
@given(data=st.data(), field=st.sampled_from(sorted(IHDR_FIELDS)), good_crc=st.booleans())
def test_png_header_fields(pngs, data, field, good_crc):
    parts = chunks(data.draw(st.sampled_from(pngs)))
    fmt, offset, values = IHDR_FIELDS[field]
    ihdr = bytearray(parts[0][1])
    struct.pack_into(fmt, ihdr, offset, data.draw(st.sampled_from(values)))
    parts[0][1] = bytes(ihdr)
    assert_contract(png(parts, good_crc=good_crc))


@SETTINGS
@given(data=st.data())
def test_png_chunks_dropped_repeated_reordered_resized(pngs, data):
    parts = chunks(data.draw(st.sampled_from(pngs)))
    k = data.draw(st.integers(0, len(parts) - 1))
    action = data.draw(st.sampled_from(["drop", "repeat", "swap", "length", "palette", "transparency", "idat"]))
    lengths = None
    if action == "drop":
        del parts[k]
    elif action == "repeat":
        parts.insert(k, list(parts[k]))
    elif action == "swap":
        j = data.draw(st.integers(0, len(parts) - 1))
        parts[k], parts[j] = parts[j], parts[k]
    elif action == "length":
        lengths = {k: data.draw(st.integers(0, 2**32 - 1) | st.integers(0, 300))}
    elif action in ("palette", "transparency"):
        kind = b"PLTE" if action == "palette" else b"tRNS"
        parts.insert(1, [kind, data.draw(st.binary(max_size=800))])
    else:  # valid zlib, of the wrong amount of image data
        parts = [p for p in parts if p[0] != b"IDAT"]
        raw = data.draw(st.binary(max_size=3000) | st.just(bytes(data.draw(st.integers(0, 200_000)))))
        parts.insert(-1, [b"IDAT", zlib.compress(raw)])
    assert_contract(png(parts, lengths))


def segments(jpeg: bytes) -> tuple[list[list], bytes]:
    """([[marker, payload], ...] up to and with the start of scan, the entropy-coded rest) of a JPEG."""
    out, i = [], 2
    while True:
        marker = jpeg[i:i + 2]
        (n,) = struct.unpack(">H", jpeg[i + 2:i + 4])
        out.append([marker, jpeg[i + 4:i + 2 + n]])
        i += 2 + n
        if marker == b"\xff\xda":
            return out, jpeg[i:]


def jpeg(parts, rest, lengths=None) -> bytes:
    body = b"".join(m + struct.pack(">H", (len(p) + 2 if lengths is None or k not in lengths else lengths[k]) % 2**16)
                    + p for k, (m, p) in enumerate(parts))
    return b"\xff\xd8" + body + rest


@SETTINGS
@given(data=st.data())
def test_jpeg_frame_header_segments_and_scan(jpegs, data):
    parts, rest = segments(data.draw(st.sampled_from(jpegs)))
    sof = next(k for k, (m, _) in enumerate(parts) if m in (b"\xff\xc0", b"\xff\xc2"))
    action = data.draw(st.sampled_from(["precision", "size", "components", "sampling", "length", "drop", "scan"]))
    lengths = None
    frame = bytearray(parts[sof][1])
    if action == "precision":
        frame[0] = data.draw(st.sampled_from([0, 1, 8, 12, 16, 255]))
    elif action == "size":
        struct.pack_into(">HH", frame, 1, *data.draw(st.tuples(*[st.sampled_from([0, 1, 7, 8, 24, 4097, 65535])] * 2)))
    elif action == "components":
        frame[5] = data.draw(st.sampled_from([0, 1, 2, 3, 4, 5, 255]))
    elif action == "sampling":
        frame[7] = data.draw(st.integers(0, 255))
    elif action == "length":
        lengths = {data.draw(st.integers(0, len(parts) - 1)): data.draw(st.integers(0, 65535))}
    elif action == "drop":
        del parts[data.draw(st.integers(0, len(parts) - 1))]
    else:
        rest = data.draw(st.binary(max_size=400)) + data.draw(st.sampled_from([b"", b"\xff\xd9"]))
    if action not in ("drop", "length", "scan"):
        parts[sof][1] = bytes(frame)
    assert_contract(jpeg(parts, rest, lengths))


@SETTINGS
@given(data=st.data(), cut=st.integers(0, 4000))
def test_any_file_cut_anywhere(pngs, jpegs, data, cut):
    assert_contract(data.draw(st.sampled_from(pngs + jpegs))[:cut])
