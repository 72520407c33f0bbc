"""The Latent size page's gap, estimated to a stated precision, into checkpoints/ladder_gap.json.

    python scripts/ladder_gap.py [--images 50] [--checkpoints bce bce-z4 bce-z8 bce-z16 bce-z32]

For the first N test images under each checkpoint (default: the size ladder, ui.ladders): the ELBO of the encoder's q
from 2,000 draws each (closed-form KL), and from one draw each (what `evaluate` does); q* fitted to each image by
stochastic optimisation (vae.gap_nd.fit_diag) and its ELBO; log p(x) by IWAE with K = 5,000 from the encoder's q and
from a mixture of q* widened, the encoder's q and the prior (vae.gap_nd.SHARES). Stored: the mean over the images of each, with the Monte Carlo standard error of
that mean, and the per-image values. Entries carry the weights' and the data's sha256 (vae.serve.gap_table).
"""
import argparse
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vae import gap_nd  # noqa: E402
from vae.data import load_dataset  # noqa: E402
from vae.losses import kl_divergence, reconstruction_nll  # noqa: E402
from vae.serve.checkpoint import checkpoint_path, load_checkpoint  # noqa: E402
from vae.serve.gap_table import LADDER_FILE, store, weights_sha256  # noqa: E402
from vae.trainer import eval_targets  # noqa: E402

SIZE_LADDER = ("bce", "bce-z4", "bce-z8", "bce-z16", "bce-z32")


def entry(name: str, n_images: int, seed: int = 0) -> dict:
    ckpt = load_checkpoint(checkpoint_path(name))
    model = ckpt.model.eval().requires_grad_(False)
    data = load_dataset(ckpt.train_config.dataset)
    x = eval_targets(data, ckpt.train_config)[:n_images]
    per = gap_nd.gap_estimates(model, x, seed=seed)
    with torch.no_grad():  # one draw an image, as evaluate() scores the test set
        mu, logvar = model.encode(x)
        z = model.reparameterize(mu, logvar, 1, torch.Generator().manual_seed(seed + 1))
        one = -reconstruction_nll(x, model.decode(z), model.config)[0] - kl_divergence(mu, logvar)
    per["elbo_one_draw elbo"] = one.numpy()
    mean, se = {}, {}
    for key in ("elbo_encoder", "elbo_star", "iwae_encoder", "iwae_star"):
        value = key.startswith("elbo") and f"{key} elbo" or f"{key} log_px"
        mean[key] = round(float(per[value].mean()), 4)
        se[key] = round(math.sqrt(float((per[f"{key} se"] ** 2).sum())) / n_images, 4)
    mean["elbo_one_draw"] = round(float(one.mean()), 4)
    se["elbo_one_draw"] = None  # one draw an image: no spread to measure it by; see elbo_encoder's per-draw sd
    return {"images": n_images, "latent_dim": ckpt.config.latent_dim, "weights_sha256": weights_sha256(model),
            "data_sha256": data.sha256, "k": 5000, "draws": 2000, "widen": gap_nd.WIDEN, "shares": list(gap_nd.SHARES), "seed": seed,
            "mean": mean, "se": se, "per_image": {k: [round(float(v), 4) for v in a] for k, a in per.items()}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=50)
    ap.add_argument("--checkpoints", nargs="*", default=list(SIZE_LADDER))
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name in args.checkpoints:
        start = time.time()
        value = entry(name, args.images)
        store(name, value, LADDER_FILE)
        m, se = value["mean"], value["se"]
        print(f"{name}: -ELBO {-m['elbo_encoder']:.3f} ± {se['elbo_encoder']:.3f}, -log p(x) by q* "
              f"{-m['iwae_star']:.3f} ± {se['iwae_star']:.3f}, by encoder q {-m['iwae_encoder']:.3f} "
              f"({time.time() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
