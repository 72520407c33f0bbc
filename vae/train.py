"""Train a VAE on MNIST or Fashion-MNIST from the command line and save it as a checkpoint.

    python -m vae.train --likelihood bce --epochs 30 --seed 0 --out checkpoints/bce.safetensors
    python -m vae.train --dataset kmnist --data-root ~/data --epochs 1 --samples sheet.png --out kmnist
    python -m vae.train --likelihood bce --conditional --epochs 30 --seed 0 --out checkpoints/cvae.safetensors
"""
import argparse
import sys

from tqdm import tqdm

from vae.serve.checkpoint import CHECKPOINT_DIR, CheckpointError, checkpoint_path, save_checkpoint
from vae.config import LIKELIHOODS, TrainConfig, VAEConfig
from vae.data import DataError, load_dataset
from vae.datasets import DATASETS
from vae.serve.folders import load_folder, write_samples
from vae.trainer import build_model, eval_targets, iwae_metrics, train

DEFAULTS_VAE, DEFAULTS_TRAIN = VAEConfig(), TrainConfig()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m vae.train", description=__doc__.splitlines()[0])
    p.add_argument("--likelihood", choices=LIKELIHOODS, default=DEFAULTS_VAE.likelihood)
    p.add_argument("--sigma", type=float, default=DEFAULTS_VAE.sigma, help="Gaussian decoder std (mse)")
    p.add_argument("--beta", type=float, default=DEFAULTS_VAE.beta, help="weight of the KL term")
    p.add_argument("--latent-dim", type=int, default=DEFAULTS_VAE.latent_dim)
    p.add_argument("--autoencoder", action="store_true", help="a plain autoencoder: z = mu, no sampling, no KL")
    p.add_argument("--conditional", action="store_true", help="a conditional VAE: the class joins both networks' input")
    p.add_argument("--epochs", type=int, default=DEFAULTS_TRAIN.epochs)
    p.add_argument("--free-bits", type=float, default=DEFAULTS_TRAIN.free_bits, help="KL floor per latent dim")
    p.add_argument("--kl-warmup", type=float, default=DEFAULTS_TRAIN.kl_warmup_epochs, metavar="EPOCHS",
                   help="ramp beta up from 0 over this many epochs")
    p.add_argument("--batch-size", type=int, default=DEFAULTS_TRAIN.batch_size)
    p.add_argument("--lr", type=float, default=DEFAULTS_TRAIN.lr)
    p.add_argument("--mc-samples", type=int, default=DEFAULTS_TRAIN.mc_samples, help="Monte Carlo samples L")
    p.add_argument("--binarize", action="store_true", help="dynamic binarization: x ~ Bernoulli(pixel)")
    p.add_argument("--seed", type=int, default=DEFAULTS_TRAIN.seed)
    p.add_argument("--dataset", choices=tuple(DATASETS), default=DEFAULTS_TRAIN.dataset)
    p.add_argument("--data-root", help="a folder in torchvision's layout (<root>/<class>/raw/*-ubyte); "
                                       "without it, the project's own copy in data/")
    p.add_argument("--data", help="an .npz file of the dataset (keys x_train, y_train, x_test, y_test)")
    p.add_argument("--iwae-images", type=int, default=0, metavar="N",
                   help="after training, estimate -log p(x) by IWAE (K = 5000) on the first N test images")
    p.add_argument("--samples", help="after training, write test images, reconstructions and prior samples to this PNG")
    p.add_argument("--out", required=True, help="checkpoints/NAME.safetensors (or just NAME)")
    p.add_argument("--checkpoint-dir", default=str(CHECKPOINT_DIR), help="the only folder --out may write to")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        out = checkpoint_path(args.out, args.checkpoint_dir)  # refuse a bad name before spending a minute training
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        config = VAEConfig(latent_dim=args.latent_dim, likelihood=args.likelihood, sigma=args.sigma, beta=args.beta,
                           variational=not args.autoencoder, conditional=args.conditional)
        cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, mc_samples=args.mc_samples,
                          binarize=args.binarize, seed=args.seed, free_bits=args.free_bits,
                          kl_warmup_epochs=args.kl_warmup,
                          dataset=args.dataset)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        data = load_folder(args.dataset, args.data_root) if args.data_root else load_dataset(args.dataset, args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = build_model(config, cfg.seed)
    history, last = [], {}
    with tqdm(total=None, unit="step", dynamic_ncols=True) as bar:
        for m in train(model, data, cfg):
            if m["kind"] == "step":
                bar.total = m["total_steps"]
                bar.update(1)
                if m["step"] % 20 == 0:
                    bar.set_postfix(loss=f"{m['loss']:.2f}", kl=f"{m['kl']:.2f}", sps=f"{m['samples_per_s']:.0f}")
            elif m["kind"] == "epoch":
                history.append({k: m[k] for k in ("epoch", "elapsed", "test_loss", "test_recon", "test_kl")})
                last = m
                bar.write(f"epoch {m['epoch']:3d}  test loss {m['test_loss']:9.3f}  recon {m['test_recon']:9.3f}  "
                          f"kl {m['test_kl']:7.3f}  ({m['elapsed']:.1f} s)")
            else:
                end = m

    if end["kind"] != "done":
        print(f"training ended early: {end['reason']}", file=sys.stderr)
        return 1
    metrics = {"test_loss": last["test_loss"], "test_recon": last["test_recon"], "test_kl": last["test_kl"],
               "train_seconds": last["elapsed"], "samples_per_s": last["samples_per_s"], "epochs": cfg.epochs}
    if args.iwae_images > 0:
        metrics.update(iwae_metrics(model, eval_targets(data, cfg)[:args.iwae_images],
                                    labels=data.y_test[:args.iwae_images]))
        print(f"IWAE (K = {metrics['iwae_k']}, {metrics['iwae_images']} test images): "
              f"-log p(x) = {metrics['test_iwae_nll']:.3f}")
    save_checkpoint(out, model, cfg, metrics, history, data.sha256)
    if args.samples:
        print(f"samples -> {write_samples(args.samples, model.eval(), data.x_test, y_test=data.y_test)}")
    unit = "nats per image" if config.likelihood != "notes" else "notes' scale: per-pixel mean squared error + KL"
    print(f"test loss {metrics['test_loss']:.3f}  recon {metrics['test_recon']:.3f}  kl {metrics['test_kl']:.3f}  "
          f"[{unit}]  in {metrics['train_seconds']:.1f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
