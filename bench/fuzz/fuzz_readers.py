"""Coverage-guided fuzzing (atheris, on libFuzzer) of the readers of uploaded files: checkpoints and digit images.

    pip install -r bench/fuzz/requirements.txt
    python bench/fuzz/fuzz_readers.py checkpoint --seconds 600
    python bench/fuzz/fuzz_readers.py image --seconds 600
    python bench/fuzz/fuzz_readers.py image --minimise      # keep only the corpus inputs that add coverage

The corpus is kept in bench/fuzz/corpus/<target>/: small valid files of every kind (bench/fuzz/seeds.py) and what
the fuzzer found that reaches new code, so that every run starts where the last one ended. The Python code of the
readers (vae/) and of Pillow's PNG and JPEG plugins (with the Pillow modules they import) is instrumented for
coverage, and a dictionary of each format's tokens (bench/fuzz/*.dict) helps the mutations. A failure is an exception other than the reader's own error, the
reader's error marked unexpected (vae.serve.untrusted.reader caught something the checks missed), or a value the
reader returned that breaks its promise; libFuzzer then writes the input to bench/results/ and stops.

It runs in libFuzzer's fork mode: child processes fuzz in turn and the parent merges what they find into the
corpus. Instrumenting Pillow's plugins makes one long-lived process grow by about 60 kB an input (the plain reader
does not: 146 corpus files read 30 times stay at 48 MB), so each child is replaced before that matters.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

with atheris.instrument_imports(include=["vae", "PIL.PngImagePlugin", "PIL.JpegImagePlugin", "PIL.ImageFile"]):
    import numpy as np
    import torch

    from vae.serve.checkpoint import CheckpointError, load_checkpoint
    from vae.serve.digit_image import DigitImageError, normalise_digit, read_image

from bench.fuzz.seeds import checkpoint_seeds, image_seeds, seed_weights  # noqa: E402

WEIGHTS = []  # the seeds' weights (as_file), set before fuzzing starts


def _refused(exc):
    if getattr(exc, "unexpected", False):  # (getattr: the script also runs against older readers)
        raise RuntimeError(f"the reader's checks missed: {exc}") from exc.__cause__


def as_file(data: bytes) -> bytes:
    """An input that starts with '{' is a header alone, completed with the seeds' weights: libFuzzer's byte mutations
    then land in the JSON, where the reader's checks are, instead of in 12 kB of floats. Any other input is a whole
    file (length field, truncation and weights included)."""
    if data[:1] != b"{":
        return data
    return len(data).to_bytes(8, "little") + data + WEIGHTS[0]


def one_checkpoint(data: bytes):
    try:
        ckpt = load_checkpoint(as_file(data))
    except CheckpointError as exc:
        _refused(exc)
        return
    with torch.no_grad():  # an accepted checkpoint must work: decode one point
        image = ckpt.model.decode_images(torch.zeros(1, ckpt.config.latent_dim))
    assert image.shape == (1, 28, 28) and torch.isfinite(image).all()


def one_image(data: bytes):
    try:
        grey = read_image(data)
        x = normalise_digit(grey)
    except DigitImageError as exc:
        _refused(exc)
        return
    assert grey.ndim == 2 and grey.dtype == np.float32 and 0 <= grey.min() and grey.max() <= 1
    assert x.shape == (28, 28) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1


CHILD = "VAE_FUZZ_CHILD"  # set for the child processes of libFuzzer's fork mode
TARGETS = {"checkpoint": (one_checkpoint, checkpoint_seeds, 16384), "image": (one_image, image_seeds, 8192)}


def minimise(corpus: Path, command: str):
    """libFuzzer's merge: the smallest set of the corpus's inputs that covers what all of them cover."""
    kept = corpus.with_name(corpus.name + ".kept")
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir()
    subprocess.run(f"{command} -merge=1 {kept} {corpus}", shell=True, check=True, env={**os.environ, CHILD: "1"})
    shutil.rmtree(corpus)
    kept.rename(corpus)
    print(f"{corpus}: {len(list(corpus.iterdir()))} inputs kept")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("target", choices=TARGETS)
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--minimise", action="store_true", help="keep only the corpus inputs that add coverage")
    args, extra = p.parse_known_args()
    one, seeds, max_len = TARGETS[args.target]
    corpus = HERE / "corpus" / args.target
    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        seeds(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        WEIGHTS.append(seed_weights(Path(tmp)))
    results = HERE.parent / "results"
    results.mkdir(exist_ok=True)
    command = f"{sys.executable} {Path(__file__).resolve()} {args.target}"  # how libFuzzer starts its children
    if args.minimise:
        minimise(corpus, command)
        return
    if os.environ.get(CHILD):  # a child of fork or merge mode: libFuzzer chose its flags and inputs
        argv = [command, *extra]
    else:
        os.environ[CHILD] = "1"
        argv = [command, str(corpus), f"-max_total_time={args.seconds}", f"-max_len={max_len}",
                f"-dict={HERE / (args.target + '.dict')}", "-print_final_stats=1", "-rss_limit_mb=4096",
                f"-artifact_prefix={results}/fuzz-{args.target}-", "-fork=1", *extra]
    atheris.Setup(argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
