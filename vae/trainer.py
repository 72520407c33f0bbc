"""Training as a generator of metric dicts.

The generator knows nothing about progress bars or widgets: callers (the CLI, the app's worker thread)
decide what to do with each dict. It stops between steps when `stop` (a threading.Event) is set.
"""
import math
import time

import torch

from vae.collapse import kl_per_dimension
from vae.config import TrainConfig, VAEConfig
from vae.data import ImageSet, binarize
from vae.estimators import iwae_log_px
from vae.losses import elbo_terms
from vae.model import VAE, one_hot

EVAL_SEED = 1234  # fixed noise for test-set evaluation, so the same weights always score the same


def build_model(config: VAEConfig, seed: int) -> VAE:
    """A freshly initialised VAE; the global RNG is left as it was (other sessions may be using it)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return VAE(config)


def lr_at(step: int, total_steps: int, steps_per_epoch: int, cfg: TrainConfig) -> float:
    """Linear warm-up, then a cosine decay down to lr * final_lr_frac at the last step."""
    warmup = max(1, round(cfg.warmup_epochs * steps_per_epoch))
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    floor = cfg.final_lr_frac
    return cfg.lr * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def eval_targets(data: ImageSet, cfg: TrainConfig) -> torch.Tensor:
    """The test images a model is scored on: grey levels, or one fixed binarization of them."""
    if not cfg.binarize:
        return data.x_test
    return binarize(data.x_test, torch.Generator().manual_seed(EVAL_SEED))


def label_input(model: VAE, labels):
    """The y a model takes for class labels (B,): their one-hot rows for a conditional model, else None."""
    if not model.config.conditional:
        return None
    if labels is None:
        raise ValueError("a conditional model is scored on images with their labels; none were given")
    return one_hot(labels)


@torch.no_grad()
def evaluate(model: VAE, x: torch.Tensor, batch_size: int = 2000, mc_samples: int = 1, labels=None) -> dict:
    """Test-set averages of the loss terms, with one fixed draw of the reparameterization noise.
    `labels` (N,): the images' classes, which a conditional model needs (and any other ignores)."""
    was_training = model.training
    model.eval()
    gen = torch.Generator().manual_seed(EVAL_SEED)
    totals, kl_dims = {"loss": 0.0, "recon": 0.0, "kl": 0.0}, 0.0
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size]
        yb = label_input(model, None if labels is None else labels[i:i + batch_size])
        out = model(xb, yb, mc_samples, gen)
        terms = elbo_terms(xb, out, model.config)
        for key in totals:
            totals[key] += terms[key].item() * len(xb)
        kl_dims = kl_dims + kl_dimensions(out, model.config).double() * len(xb)
    model.train(was_training)
    return {**{key: value / len(x) for key, value in totals.items()}, "kl_dims": (kl_dims / len(x)).tolist()}


def kl_dimensions(out: dict, config: VAEConfig) -> torch.Tensor:
    """Each latent dimension's KL to the prior, averaged over the batch (vae.collapse), (D,): what a class watches to
    see dimensions switch off. A plain autoencoder has no KL: zeros."""
    mu = out["mu"].detach()
    if not config.variational:
        return mu.new_zeros(mu.shape[-1])
    return kl_per_dimension(mu, out["logvar"].detach())


def eval_noise(n: int, latent_dim: int, batch_size: int = 2000, mc_samples: int = 1) -> torch.Tensor:
    """The reparameterization noise `evaluate` draws for n test images, (mc_samples, n, latent_dim): the same draws in
    the same order, batch by batch, so that the browser's trainer scores weights on exactly this noise."""
    gen = torch.Generator().manual_seed(EVAL_SEED)
    return torch.cat([torch.randn((mc_samples, min(batch_size, n - i), latent_dim), generator=gen)
                      for i in range(0, n, batch_size)], dim=1)


IWAE_K = 5000  # importance samples per image for the test set's log p(x) (Burda et al. 2016 use 5000)


def iwae_metrics(model: VAE, x: torch.Tensor, k: int = IWAE_K, labels=None) -> dict:
    """-log p(x) on test images x, estimated by the IWAE bound with k samples each and fixed noise, beside the
    -ELBO of the same images (as `evaluate` scores it), so that their difference estimates the gap.
    For a conditional model (which needs the `labels`) both are of log p(x|y), the image given its class."""
    y = label_input(model, labels)
    nll = -iwae_log_px(model.eval(), x, k, torch.Generator().manual_seed(EVAL_SEED), y=y)
    return {"test_iwae_nll": nll.mean().item(), "test_iwae_sd": nll.std().item(), "iwae_images": len(x), "iwae_k": k,
            "iwae_neg_elbo": evaluate(model, x, labels=labels)["loss"]}


def kl_weight_at(step: int, steps_per_epoch: int, cfg: TrainConfig) -> float:
    if not cfg.kl_warmup_epochs:
        return 1.0
    return min(1.0, (step + 1) / (cfg.kl_warmup_epochs * steps_per_epoch))


def divergence(loss: float, grad_norm: float, first_loss: float, explode_factor: float) -> str:
    """Why training must stop now, in words, or "" if this step is fine."""
    if not math.isfinite(loss):
        return f"the loss became {loss}"
    if not math.isfinite(grad_norm):
        return f"the gradient became {grad_norm}"
    if loss - first_loss > explode_factor * max(abs(first_loss), 1.0):
        return f"the loss jumped to {loss:.4g}, far above its starting value {first_loss:.4g}"
    return ""


def _grad_norm(params) -> float:
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params])).item()


def train(model: VAE, data: ImageSet, cfg: TrainConfig, stop=None):
    """Yield {"kind": "step", ...} every step, {"kind": "epoch", ...} after each epoch's test evaluation,
    and finally one {"kind": "done" | "stopped" | "diverged", "reason": ...}.

    On a non-finite loss or gradient, or an exploding loss, the model is restored to the last weights that gave
    a good loss.
    "elapsed" is wall time since the start; "samples_per_s" leaves out the time spent on test evaluation.
    """
    gen = torch.Generator().manual_seed(cfg.seed)
    params = list(model.parameters())
    optimizer = torch.optim.Adam(params, lr=cfg.lr, fused=True)
    good = [p.detach().clone() for p in params]
    x_train, x_test = data.x_train, eval_targets(data, cfg)
    y_train = data.y_train  # used by a conditional model only
    n = len(x_train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = cfg.epochs * steps_per_epoch
    step, seen, eval_time, first_loss, t0 = 0, 0, 0.0, math.nan, time.perf_counter()
    model.train()
    for epoch in range(cfg.epochs):
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, cfg.batch_size):
            if stop is not None and stop.is_set():
                yield {"kind": "stopped", "reason": "stopped on request", "step": step}
                return
            batch = order[i:i + cfg.batch_size]
            xb, yb = x_train[batch], label_input(model, y_train[batch])
            if cfg.binarize:
                xb = binarize(xb, gen)
            lr = lr_at(step, total_steps, steps_per_epoch, cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr
            out = model(xb, yb, cfg.mc_samples, gen)
            terms = elbo_terms(xb, out, model.config, kl_weight_at(step, steps_per_epoch, cfg), cfg.free_bits)
            optimizer.zero_grad(set_to_none=False)
            terms["objective"].backward()
            numbers = torch.cat([torch.stack([terms["loss"], terms["recon"], terms["kl"]]).detach(),
                                 kl_dimensions(out, model.config)]).tolist()  # one read of the values, not two
            (loss, recon, kl), kl_dims = numbers[:3], numbers[3:]
            grad_norm = _grad_norm(params)
            if step == 0:
                first_loss = loss
            problem = divergence(loss, grad_norm, first_loss, cfg.explode_factor)
            if problem:
                with torch.no_grad():
                    torch._foreach_copy_(params, good)
                yield {"kind": "diverged", "step": step, "epoch": epoch,
                       "reason": f"{problem} at step {step} (learning rate {lr:.3g}). Training stopped and the "
                                 "weights from before that step were kept. Try a smaller learning rate."}
                return
            with torch.no_grad():
                torch._foreach_copy_(good, params)
            optimizer.step()
            step += 1
            seen += len(xb)
            elapsed = time.perf_counter() - t0
            yield {"kind": "step", "step": step, "epoch": epoch + (i + len(xb)) / n, "lr": lr,
                   "loss": loss, "recon": recon, "kl": kl, "kl_dims": kl_dims, "grad_norm": grad_norm,
                   "samples_per_s": seen / (elapsed - eval_time), "elapsed": elapsed, "total_steps": total_steps}
        t_eval = time.perf_counter()
        test = evaluate(model, x_test, cfg.eval_batch_size, labels=data.y_test)
        eval_time += time.perf_counter() - t_eval
        elapsed = time.perf_counter() - t0
        yield {"kind": "epoch", "step": step, "epoch": epoch + 1, "elapsed": elapsed,
               "samples_per_s": seen / (elapsed - eval_time), **{f"test_{key}": value for key, value in test.items()}}
    yield {"kind": "done", "reason": f"finished {cfg.epochs} epochs", "step": step}
