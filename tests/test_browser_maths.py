"""The browser's maths (vae/*.js on TensorFlow.js, in a Chromium worker) against PyTorch's (vae/*.py): for the same
weights, batch and noise, the loss terms and every gradient agree within 1e-5 (relative), and one Adam step within
1e-5, on the WebAssembly backend the Train page uses and on the CPU backend it falls back to; for the conditional
model too, given the batch's labels."""
import copy
import math
import re
from dataclasses import fields

import numpy as np
import pytest
import torch

from browser_maths import Harness, decode, encode
from conftest import ROOT
from scripts.browser_trainer import train_in_browser
from vae.config import TrainConfig, VAEConfig, to_dict
from vae.losses import elbo_terms
from vae.model import VAE, one_hot
from vae.serve.browser_files import CODE
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import build_model, divergence, evaluate, kl_weight_at, lr_at

CASES = {  # name: (model, L, kl_weight, free_bits, binarized)
    "bce": ("seed", 1, 1.0, 0.0, False),
    "bce-free-bits": ("seed", 1, 1.0, 1.0, False),
    "bce-trained-free-bits-L4": ("bce", 4, 1.0, 1.0, False),
    "bce-warm-up-beta4": ("bce-b4", 1, 0.3, 0.0, False),
    "binarized": ("bce-binarized", 2, 1.0, 1.0, True),
    "mse": ("mse", 1, 1.0, 0.0, False),
    "notes": ("notes", 1, 1.0, 0.0, False),
    "autoencoder": ("ae", 1, 1.0, 0.0, False),
    "latent-8": ("bce-z8", 1, 1.0, 1.0, False),
    "conditional": ("seed-conditional", 1, 1.0, 0.0, False),
    "conditional-trained-free-bits-L2": ("cvae", 2, 1.0, 1.0, False),
}
B, LR = 64, 3e-3


@pytest.fixture(scope="module")
def harness(training_browser, app_url):
    context = training_browser.new_context()
    yield Harness(context.new_page(), app_url)
    context.close()


def model_for(which: str):
    if which.startswith("seed"):
        return build_model(VAEConfig(conditional=which == "seed-conditional"), 0)
    return load_checkpoint(CHECKPOINT_DIR / f"{which}.safetensors").model


def flat(tensors) -> np.ndarray:
    return np.concatenate([t.detach().numpy().ravel() for t in tensors]).astype(np.float32)


def pytorch(model, x, eps, kl_weight, free_bits, dtype=torch.float32, labels=None):
    """vae.losses.elbo_terms on a copy of `model` in `dtype`, with the reparameterization noise given (and the
    labels, for a conditional model): the terms and every parameter's gradient (float64 arrays, in the state_dict's
    order)."""
    model = copy.deepcopy(model).to(dtype).train()
    for p in model.parameters():
        p.requires_grad_(True)
    x, eps = x.to(dtype), eps.to(dtype)
    y = one_hot(labels).to(dtype) if model.config.conditional else None
    mu, logvar = model.encode(x, y)
    z = mu + torch.exp(0.5 * logvar) * eps if model.config.variational else mu.expand(eps.shape[0], *mu.shape)
    terms = elbo_terms(x, {"mu": mu, "logvar": logvar, "z": z, "logits": model.decode(z, y)}, model.config,
                       kl_weight, free_bits)
    terms["objective"].backward()
    return {k: v.item() for k, v in terms.items()}, [p.grad.double().numpy() for p in model.parameters()]


def adam_steps(model, grads, steps=1):
    """The weights after torch.optim.Adam's steps from `grads`, made as vae.trainer.train makes it."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    for p, g in zip(model.parameters(), grads):
        p.grad = torch.from_numpy(g.astype(np.float32))
    for _ in range(steps):
        optimizer.step()
    return flat(model.parameters())


def relative(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


@pytest.mark.parametrize("backend", ["wasm", "cpu"])
@pytest.mark.parametrize("case", list(CASES))
def test_loss_gradients_and_adam_step_match_pytorch(harness, mnist, case, backend):
    which, L, kl_weight, free_bits, binarized = CASES[case]
    model = model_for(which)
    gen = torch.Generator().manual_seed(7)
    x, labels = mnist.x_train[:B], mnist.y_train[:B]
    if binarized:
        x = torch.bernoulli(x, generator=gen)
    eps = torch.randn((L, B, model.config.latent_dim), generator=gen)
    weights = flat(model.state_dict().values())
    got = harness.call("step", backend=backend, config=to_dict(model.config), weights=encode(weights), x=encode(x),
                       eps=encode(eps), L=L, B=B, kl_weight=kl_weight, free_bits=free_bits, lr=LR,
                       labels=labels.tolist() if model.config.conditional else None)
    assert got["backend"] == backend
    terms, grads = pytorch(model, x, eps, kl_weight, free_bits, labels=labels)
    _, exact = pytorch(model, x, eps, kl_weight, free_bits, torch.float64, labels)
    for key in ("loss", "recon", "kl"):
        assert got[key] == pytest.approx(terms[key], rel=1e-5, abs=1e-6), key

    # The whole gradient, every weight's at once, within 1e-5 of PyTorch's
    js = decode(got["grads"]).astype(np.float64)
    whole = relative(js, np.concatenate([g.ravel() for g in grads]))
    assert whole <= 1e-5
    # Each tensor's, against the exact (float64) gradient: within 1e-5, or, where float32 itself cannot resolve it
    # (the collapsed notes model's encoder, whose gradients cancel to the level of rounding), as close as PyTorch's
    # float32 comes, within a factor: the WebAssembly backend's sigmoid (XNNPACK's) is a polynomial good to a few
    # units in the last place, which there makes it up to 8 times PyTorch's own error (measured)
    at = 0
    for (name, p), g32, g64 in zip(model.named_parameters(), grads, exact):
        mine = js[at:at + p.numel()].reshape(p.shape)
        at += p.numel()
        assert relative(mine, g64) <= max(1e-5, 16 * relative(g32, g64)), name
    assert at == len(js)

    # The optimiser: from the same gradients, three of its steps within 1e-5 of torch.optim.Adam's
    pytorch_grads = np.concatenate([g.ravel() for g in grads])
    after = harness.call("adam", backend=backend, config=to_dict(model.config), weights=encode(weights),
                         grads=encode(pytorch_grads), lr=LR, steps=3)["after"]
    moved = adam_steps(model, grads, 3)
    assert np.abs(decode(after) - moved).max() <= 1e-5
    assert np.abs(moved - weights).max() > 1e-3  # the steps moved the weights: the comparison is not vacuous
    # ... and one step from each side's own gradients: the same, for every weight whose gradient stands clear of
    # float32's rounding. (Adam divides each gradient by its own size, so one of about 1e-8 moves its weight by a
    # good part of the learning rate, in whichever direction rounding gave it.)
    clear = np.abs(pytorch_grads) > 1e-6
    own = np.abs(decode(got["after"]) - adam_steps(model, grads))
    assert clear.sum() > 10_000 and own[clear].max() <= 1e-5
    loss = abs(got["loss"] - terms["loss"]) / abs(terms["loss"])
    print(f"\n{case} ({backend}): loss {loss:.1e}, whole gradient {whole:.1e}, three Adam steps "  # pytest -s shows it
          f"{np.abs(decode(after) - moved).max():.1e}, one step from its own gradient {own[clear].max():.1e}")


def test_schedules_and_divergence_match_the_trainer(harness):
    cfg = TrainConfig(epochs=7, warmup_epochs=1.5, final_lr_frac=0.05, kl_warmup_epochs=2.0, lr=0.01)
    steps_per_epoch, total = 50, 350
    steps = list(range(0, total + 5, 3))
    cases = [[12.0, 3.0, 10.0, 10.0], [1e9, 3.0, 10.0, 10.0], [12.0, math.inf, 10.0, 10.0], [111.0, 1.0, 10.0, 10.0],
             [99.0, 1.0, 10.0, 10.0]]
    got = harness.call("schedules", cfg={**vars(cfg)}, steps=steps, steps_per_epoch=steps_per_epoch, total_steps=total,
                       losses=cases)
    assert got["lr"] == pytest.approx([lr_at(s, total, steps_per_epoch, cfg) for s in steps], rel=1e-12)
    assert got["kl_weight"] == pytest.approx([kl_weight_at(s, steps_per_epoch, cfg) for s in steps], rel=1e-12)
    expected = [divergence(*c) for c in cases]
    assert [bool(d) for d in got["divergence"]] == [bool(d) for d in expected] == [False, True, True, True, False]
    assert got["divergence"][2] == expected[2]  # the same words ("the gradient became inf")
    assert got["kl_weight"][-1] == 1.0


@pytest.mark.parametrize("conditional", [False, True], ids=["vae", "cvae"])
def test_a_browser_run_scores_in_pytorch_what_the_browser_reported(training_browser, app_url, mnist, conditional):
    """One epoch in the Train page's worker: PyTorch's evaluate on the weights it returns gives the test loss the
    browser measured (both on vae.trainer's fixed noise), and the run learned (PyTorch's 1-epoch loss is ~191). The
    conditional model is trained and scored with the images' labels (its 1-epoch loss in PyTorch: ~163)."""
    config = VAEConfig(conditional=conditional)
    context = training_browser.new_context()
    result = train_in_browser(context.new_page(), app_url, config, TrainConfig(epochs=1, seed=3))
    context.close()
    assert result["end"]["kind"] == "done" and result["backend"] == "wasm", result["end"]
    model = VAE(config)
    flat, at, state = torch.from_numpy(result["weights"]), 0, {}
    for name, p in model.state_dict().items():
        state[name] = flat[at:at + p.numel()].reshape(p.shape)
        at += p.numel()
    model.load_state_dict(state)
    reported, scored = result["epochs"][-1], evaluate(model, mnist.x_test, labels=mnist.y_test)
    for key in ("loss", "recon", "kl"):
        assert scored[key] == pytest.approx(reported[f"test_{key}"], rel=1e-5), key
    assert scored["loss"] < 200


# The settings the browser's JavaScript does not read itself, and why; every other field of the two configs must be
# read there, so that a setting added to vae/ without its browser half fails here.
SERVER_SIDE = {"dataset": "the server sends the files of the run's dataset (ui/browser_training.files_for)"}


def test_every_setting_reaches_the_browser():
    js = "\n".join((ROOT / path).read_text() for path in CODE if path.startswith("vae/"))
    for cls, name in ((VAEConfig, "config"), (TrainConfig, "cfg")):
        for field in fields(cls):
            if field.name not in SERVER_SIDE:
                assert re.search(rf"\b{name}\.{field.name}\b", js), f"{cls.__name__}.{field.name} is not read in JS"
