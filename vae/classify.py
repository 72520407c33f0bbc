"""The test accuracy of a conditional VAE used as a classifier by Bayes' rule (vae.bayes), from the command line.

    python -m vae.classify --checkpoint cvae --images 1000
    python -m vae.classify --checkpoint fashion-cvae --images 1000

Each image's guess is the class of highest log p(x|y) (vae.bayes.class_scores: every class on a grid the images share,
then the classes within 20 nats of the best by the adaptive quadrature). The accuracy's standard error is the
binomial one, sqrt(a (1 - a) / n).
"""
import argparse
import math
import sys
import time

import torch

from vae.bayes import GRID, LOG_PRIOR, class_scores
from vae.data import load_dataset
from vae.serve.checkpoint import CheckpointError, checkpoint_path, load_checkpoint
from vae.trainer import eval_targets


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m vae.classify", description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default="cvae", help="a conditional 2-D model in checkpoints/ (its name)")
    p.add_argument("--images", type=int, default=1000, help="the first N test images of the model's dataset")
    p.add_argument("--grid", default=",".join(map(str, GRID)),
                   help="points a side of each quadrature grid (vae.marginal.log_marginal_grid)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        ckpt = load_checkpoint(checkpoint_path(args.checkpoint))
        sizes = tuple(int(n) for n in args.grid.split(","))
        if not 1 <= args.images <= 10_000 or not sizes or min(sizes) < 2:
            raise ValueError("--images must be 1 to 10000 and every grid at least 2 points a side")
    except (CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data = load_dataset(ckpt.train_config.dataset)
    x, y = eval_targets(data, ckpt.train_config)[:args.images], data.y_test[:args.images]
    t0, scores = time.perf_counter(), []
    try:
        for i in range(0, len(x), 250):
            scores.append(class_scores(ckpt.model, x[i:i + 250], sizes))
            done = torch.cat(scores).argmax(1) == y[:i + len(scores[-1])]
            print(f"\r{len(done)}/{len(x)} images, {100 * done.double().mean().item():.1f}% right so far",
                  end="", file=sys.stderr, flush=True)
    except ValueError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    scores = torch.cat(scores)
    right = (scores.argmax(1) == y).double()
    accuracy, n = right.mean().item(), len(y)
    log_px = torch.logsumexp(scores + LOG_PRIOR, 1)
    print(f"\n{args.checkpoint} on the first {n} test images of {data.dataset}: accuracy {100 * accuracy:.1f}% "
          f"(± {100 * math.sqrt(accuracy * (1 - accuracy) / n):.1f}), mean log p(x) {log_px.mean().item():.2f} nats, "
          f"grids {sizes}, {time.perf_counter() - t0:.0f} s")
    for c in range(10):
        print(f"  class {c}: {100 * right[y == c].mean().item():5.1f}% of {(y == c).sum().item()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
