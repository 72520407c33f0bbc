"""The ELBO's gap split (vae.gap) over the first test images, for each shipped 2-D VAE, into checkpoints/gap.json.

    python scripts/gap_table.py [--images 200] [--checkpoints bce mse ...]

For each checkpoint (default: every variational, unconditional 2-D one with a likelihood in nats) it computes, for
each of the first N test images as the checkpoint is scored on them, log p(x) by quadrature and the ELBO of the
encoder's q, of q*_diag and of q*_full (vae.gap.split), and stores the means with their standard errors and the
per-image values. Each entry carries the sha256 of the weights and of the data it was computed on: the page shows
an entry only while both still match (a retrained checkpoint is not described by its predecessor's numbers).
The file is read, updated and written under a lock for each checkpoint, so several runs can share it.
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vae import gap  # noqa: E402
from vae.data import load_dataset  # noqa: E402
from vae.serve.checkpoint import checkpoint_path, list_checkpoints, load_checkpoint  # noqa: E402
from vae.serve.gap_table import read_table, store, weights_sha256  # noqa: E402
from vae.trainer import eval_targets  # noqa: E402

TERMS = ("log_px", "elbo_encoder", "elbo_diag", "elbo_full", "amortization", "approximation", "diagonal", "gaussian")


def splittable(ckpt) -> bool:
    c = ckpt.config
    return c.latent_dim == 2 and c.variational and not c.conditional and c.likelihood != "notes"


def entry(name: str, n_images: int) -> dict:
    ckpt = load_checkpoint(checkpoint_path(name))
    model = ckpt.model.eval().requires_grad_(False)
    data = load_dataset(ckpt.train_config.dataset)
    x = eval_targets(data, ckpt.train_config)[:n_images]
    per = {k: [] for k in TERMS}
    for xb in x.split(100):
        out = gap.split(model, xb)
        for k in TERMS:
            per[k] += [round(float(v), 4) for v in out[k]]
    return summary(name, model, data, per)


def summary(name, model, data, per) -> dict:
    values = {k: torch.tensor(v, dtype=torch.float64) for k, v in per.items()}
    n_images = len(per["log_px"])
    return {"images": n_images, "weights_sha256": weights_sha256(model), "data_sha256": data.sha256,
            "mean": {k: round(v.mean().item(), 4) for k, v in values.items()},
            "se": {k: round(v.std().item() / len(v) ** 0.5, 4) for k, v in values.items()},
            "grid": gap.GRID, "fit_nodes": list(gap.FIT_NODES), "per_image": per}


def repair(name: str) -> dict:
    """Recompute the stored images whose fit from the encoder left more than vae.gap.split's `retry` nats: the only
    ones that split's retry from the posterior can change. The same numbers as a full run, in a fraction of its time."""
    ckpt = load_checkpoint(checkpoint_path(name))
    model = ckpt.model.eval().requires_grad_(False)
    data = load_dataset(ckpt.train_config.dataset)
    per = read_table()[name]["per_image"]
    redo = [i for i, a in enumerate(per["approximation"]) if a > 0.5]
    if redo:
        out = gap.split(model, eval_targets(data, ckpt.train_config)[redo], log_px=[per["log_px"][i] for i in redo])
        for k in TERMS:
            for j, i in enumerate(redo):
                per[k][i] = round(float(out[k][j]), 4)
    print(f"{name}: {len(redo)} images fitted again from the posterior", flush=True)
    return summary(name, model, data, per)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--checkpoints", nargs="*")
    ap.add_argument("--repair", action="store_true", help="only refit the stored images the fit may have got wrong")
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = args.checkpoints or [n for n in list_checkpoints() if splittable(load_checkpoint(checkpoint_path(n)))]
    for name in names:
        start = time.time()
        value = repair(name) if args.repair else entry(name, args.images)
        store(name, value)
        m, se = value["mean"], value["se"]
        print(f"{name}: log p(x) {m['log_px']:.2f}, amortization {m['amortization']:.3f} ± {se['amortization']:.3f}, "
              f"approximation {m['approximation']:.3f} ± {se['approximation']:.3f} ({time.time() - start:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
