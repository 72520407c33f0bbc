"""log p(x|z) at many codes, as vae.marginal.log_likelihood computes it, against the same sum with one log per pixel
(its form before the products of 112 pixels), side by side in one run: time and distance from float64.

    python bench/log_likelihood_speed.py [--checkpoints bce bce-z8 fashion-bce] [--codes 25000] [--repeats 9]

Runs under OMP_WAIT_POLICY=PASSIVE, as ./dev app does; the two forms alternate, so drift in this machine's speed
hits both alike. The ELBO lab's new digit makes about 58,000 such decoder passes (README, "The ELBO lab").
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch  # noqa: E402

from vae.marginal import log_likelihood  # noqa: E402
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint  # noqa: E402
from vae.trainer import eval_targets  # noqa: E402
from vae.data import load_dataset  # noqa: E402


@torch.inference_mode()
def one_log_per_pixel(model, x, z, chunk=2048):
    """The Bernoulli log-likelihood with log(1 + e^-|l|) taken pixel by pixel, then summed."""
    out = []
    for zc in z.split(chunk):
        logits = model.decode(zc)
        x_dot_l, positive = logits @ x, logits.clamp(min=0).sum(-1)
        out.append(x_dot_l - positive - logits.abs_().neg_().exp_().add_(1).log_().sum(-1))
    return torch.cat(out)


@torch.inference_mode()
def in_float64(model, x, z):
    model = model.double()
    logits = model.decode(z.double())
    exact = logits @ x.double() - torch.nn.functional.softplus(logits).sum(-1)
    model.float()
    return exact


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoints", nargs="+", default=["bce", "bce-z8", "fashion-bce"])
    p.add_argument("--codes", type=int, default=25000)
    p.add_argument("--repeats", type=int, default=9)
    args = p.parse_args()
    print(f"{'checkpoint':12s} {'form':22s} {'median ms':>9s} {'max |error| vs float64, nats':>30s}")
    for name in args.checkpoints:
        ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
        model, cfg = ckpt.model, ckpt.train_config
        x = eval_targets(load_dataset(cfg.dataset), cfg)[7].reshape(-1)
        z = 1.5 * torch.randn(args.codes, ckpt.config.latent_dim, generator=torch.Generator().manual_seed(0))
        exact = in_float64(model, x, z)
        forms = {"products of 112 pixels": lambda: log_likelihood(model, x, z),
                 "one log per pixel": lambda: one_log_per_pixel(model, x, z)}
        times = {k: [] for k in forms}
        for _ in range(args.repeats):
            for k, fn in forms.items():
                times[k].append(seconds(fn))
        for k, fn in forms.items():
            error = (fn().double() - exact).abs().max().item()
            print(f"{name:12s} {k:22s} {1000 * statistics.median(times[k]):9.1f} {error:30.1e}")
        ratio = statistics.median(times["one log per pixel"]) / statistics.median(times["products of 112 pixels"])
        print(f"{name:12s} one log per pixel takes {ratio:.2f}x the time")


if __name__ == "__main__":
    main()
