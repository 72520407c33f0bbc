"""Seed inputs for bench/fuzz/fuzz_readers.py: small valid files of every kind the readers take, so that the
fuzzer starts deep inside the formats instead of at their first byte."""
import io
from dataclasses import replace

import numpy as np
from PIL import Image

from vae.config import TrainConfig, VAEConfig
from vae.serve.checkpoint import save_checkpoint
from vae.trainer import build_model


TINY = VAEConfig(encoder_hidden=(1,), head_hidden=1, decoder_hidden=())  # 13 kB of weights


def split(blob: bytes) -> tuple[bytes, bytes]:
    """A safetensors file -> (its header's JSON text, the weights after it)."""
    n = int.from_bytes(blob[:8], "little")
    return blob[8:8 + n], blob[8 + n:]


def checkpoint_seeds(folder) -> list[bytes]:
    """Two tiny checkpoints (a 784-1 encoder, a 2-784 decoder), the second with another likelihood, sigma, beta and
    the autoencoder switch, so that both branches of the model's config are in the corpus; and the first one's
    header alone, the input form in which mutations land in the JSON rather than in the weights."""
    seeds = []
    for i, config in enumerate((TINY, replace(TINY, likelihood="mse", sigma=0.2, beta=2.0, variational=False))):
        path = save_checkpoint(folder / f"seed-{i}.safetensors", build_model(config, 0), TrainConfig(epochs=1),
                               {"test_loss": 150.0}, [{"epoch": 1, "test_loss": 150.0}], "0" * 64)
        seeds.append(path.read_bytes())
    (folder / "seed-0.header").write_bytes(split(seeds[0])[0])  # a header alone, which seed_weights completes
    return seeds


def seed_weights(tmp_folder) -> bytes:
    """The weights that complete a header-alone input: those of the seeds, whose models are built from seed 0."""
    return split(checkpoint_seeds(tmp_folder)[0])[1]


def _digit(side: int) -> np.ndarray:
    """A ring, dark ink on white paper, side x side uint8."""
    yy, xx = np.mgrid[:side, :side] / side - 0.5
    ring = np.abs(np.hypot(yy, xx) - 0.3) < 0.08
    return np.where(ring, 0, 255).astype(np.uint8)


def image_seeds(folder) -> list[bytes]:
    """PNGs in every colour type and bit depth Pillow writes (interlaced too), and JPEGs baseline and progressive,
    grey, colour and CMYK: 16 to 32 pixels a side."""
    grey = Image.fromarray(_digit(24))
    variants = [(grey.convert("1"), "PNG", {}), (grey, "PNG", {}), (grey, "PNG", {"interlace": 1}),
                (grey.convert("LA"), "PNG", {}), (grey.convert("P"), "PNG", {}), (grey.convert("RGB"), "PNG", {}),
                (grey.convert("RGBA"), "PNG", {}), (Image.fromarray(_digit(16).astype(np.uint16) * 257), "PNG", {}),
                (grey.convert("P"), "PNG", {"transparency": 0}),
                (grey, "JPEG", {"quality": 80}), (grey.convert("RGB"), "JPEG", {"progressive": True}),
                (grey.convert("CMYK"), "JPEG", {}), (Image.fromarray(_digit(32)).convert("RGB"), "JPEG", {"subsampling": 2})]
    seeds = []
    for i, (image, fmt, options) in enumerate(variants):
        out = io.BytesIO()
        image.save(out, fmt, **options)
        (folder / f"seed-{i}.{fmt.lower()}").write_bytes(out.getvalue())
        seeds.append(out.getvalue())
    return seeds
