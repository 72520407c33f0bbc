"""Any image of a digit -> a 28x28 grey image in [0, 1] prepared the way MNIST's digits were.

MNIST (LeCun, Cortes & Burges): each digit was scaled to fit a 20x20 box, keeping its aspect ratio, then placed in
a 28x28 field with its centre of mass at the centre (row and column 14, as measured on MNIST itself). Uploaded files are untrusted: size and pixel count are
capped before anything is decoded, and every failure is a DigitImageError with a message a user can act on.
"""
import io
import warnings

import numpy as np
from PIL import Image

from vae.serve.untrusted import UntrustedInputError, reader

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
WORK_SIDE = 1024  # pixels a side of the copy that is worked on (_working_copy)
MIN_SIDE = 8  # scikit-learn's digits are 8x8; anything smaller is not a picture of one
FORMATS = ("PNG", "JPEG")
INK_THRESHOLD = 0.1  # share of the brightest ink below which a pixel counts as background when cropping
# Pillow warns about headers of over 89 M pixels, which _check_size refuses far below that. Each such warning text
# (it names the size) would stay in the warnings registry for the life of the server: a hostile client could grow it.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class DigitImageError(UntrustedInputError):
    """An image that cannot be read as a digit; the message says why in plain words."""


@reader(DigitImageError, "this image")
def read_image(data: bytes) -> np.ndarray:
    """PNG/JPEG bytes -> grey levels in [0, 1] with white ink on black, as MNIST stores digits."""
    if len(data) > MAX_BYTES:
        raise DigitImageError(f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB.")
    try:
        # Only the decoders the page offers: Pillow can open dozens of formats, and EPS, for one, runs Ghostscript.
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            _check_size(image.width, image.height)  # from the header, before a single pixel is decoded
            grey = _grey(_working_copy(image))
    except DigitImageError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own check, at open, on images far above ours
        raise DigitImageError("The image has far too many pixels; the limit is 4096x4096.") from exc
    except Exception as exc:  # Pillow's decoders raise many types (OSError, SyntaxError, ValueError, ...) on bad data
        raise DigitImageError("This file is not an image that can be read (PNG or JPEG expected).") from exc
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return 1 - grey if border.mean() > 0.5 else grey  # dark ink on light paper -> MNIST's white on black


def _check_size(width: int, height: int):
    if width * height > MAX_PIXELS:
        raise DigitImageError(f"The image is {width}x{height} pixels; the limit is 4096x4096.")
    if min(width, height) < MIN_SIDE:
        raise DigitImageError(f"The image is {width}x{height} pixels, too small to hold a digit; "
                              f"each side needs at least {MIN_SIDE}.")


def _working_copy(image: Image.Image) -> Image.Image:
    """The decoded image, at most WORK_SIDE pixels a side: the digit ends up 20 pixels tall, so nothing is lost, and
    a 12-megapixel phone photo costs a tenth of the memory. A JPEG is decoded at a reduced scale straight away
    (libjpeg's DCT scaling, through Pillow's draft mode); any other image is reduced once decoded."""
    image.draft(None, (WORK_SIDE, WORK_SIDE))  # only JPEG acts on this; it keeps the image at least this large
    image.load()
    if max(image.size) > WORK_SIDE:
        if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "I;16"):  # palette and 1-bit images: expand first
            image = image.convert("RGBA")
        scale = WORK_SIDE / max(image.size)  # the short side keeps at least MIN_SIDE: a thin stroke stays a stroke
        image = image.resize(tuple(max(MIN_SIDE, round(n * scale)) for n in image.size), Image.Resampling.BOX)
    return image


def _grey(image: Image.Image) -> np.ndarray:
    """(H, W) float32 in [0, 1]. Pillow's convert("L") clips 16-bit grey levels at 255 instead of scaling them,
    which would turn a 16-bit PNG's mid-grey (and its paper) white; such images are scaled by 65535 here."""
    if image.mode.startswith("I;16") or image.mode == "I":  # a 16-bit PNG opens as I;16 (older Pillow: I)
        return np.clip(np.asarray(image, dtype=np.float32) / 65535, 0, 1)
    if image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info:  # transparent means paper
        image = image.convert("RGBA")
        paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, image)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255


@reader(DigitImageError, "this drawing")
def normalise_digit(ink: np.ndarray, box: int = 20) -> np.ndarray:
    """Grey levels (H, W) in [0, 1], ink bright -> (28, 28) float32: cropped to the ink, the longer side
    scaled to `box` pixels (MNIST's 20; Fashion-MNIST's items fill all 28), the centre of mass moved to the centre
    of the field as far as the field allows."""
    ink = np.clip(np.asarray(ink, dtype=np.float32), 0, 1)
    if ink.ndim != 2 or ink.max() <= 0.05:
        raise DigitImageError("No ink found: the image is blank.")
    rows = np.flatnonzero((ink > INK_THRESHOLD * ink.max()).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD * ink.max()).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = box / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.BILINEAR), dtype=np.float32)
    small = np.clip(small, 0, 1)
    total = small.sum()
    if total <= 0:
        raise DigitImageError("No ink found: the image is blank.")
    cy = (small.sum(axis=1) * np.arange(small.shape[0])).sum() / total
    cx = (small.sum(axis=0) * np.arange(small.shape[1])).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - small.shape[0]))
    left = int(np.clip(round(14 - cx), 0, 28 - small.shape[1]))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return out
