"""Posterior collapse measured (vae/collapse.py): each dimension's KL against torch.distributions and against the
model's KL, the active units of every shipped checkpoint against numpy, the collapsed 8-D model against its twin, and
a traversal that moves one dimension only."""
import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from vae.collapse import ACTIVE_THRESHOLD, activity, collapse_measures, kl_per_dimension, traversal
from vae.data import load_dataset
from vae.losses import kl_divergence as kl_of_code
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.trainer import eval_targets

SHIPPED = sorted(p.stem for p in CHECKPOINT_DIR.glob("*.safetensors") if not p.stem.startswith("test-"))


@pytest.fixture(scope="module")
def datasets():
    return {name: load_dataset(name) for name in ("mnist", "fashion-mnist")}


def test_kl_per_dimension_is_torch_distributions_kl_and_sums_to_the_codes_kl():
    gen = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(500, 6, generator=gen, dtype=torch.float64) * 2, torch.randn(500, 6, generator=gen,
                                                                                           dtype=torch.float64)
    oracle = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).mean(0)
    got = kl_per_dimension(mu, logvar)
    assert torch.allclose(got, oracle, rtol=1e-12, atol=1e-12)
    assert got.sum().item() == pytest.approx(kl_of_code(mu, logvar).mean().item(), rel=1e-12)


def test_activity_is_the_variance_of_the_means():
    mu = torch.randn(300, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * torch.tensor(
        [1.0, 0.5, 0.05, 0.0])
    assert np.allclose(activity(mu).numpy(), np.var(mu.numpy(), axis=0), rtol=1e-12)


def encoded(ckpt, data):
    """The posterior of every scored test image, from the model directly, as numpy."""
    y = torch.nn.functional.one_hot(data.y_test, 10).float() if getattr(ckpt.config, "conditional", False) else None
    x = eval_targets(data, ckpt.train_config)
    with torch.no_grad():
        mu, logvar = ckpt.model.eval().encode(x) if y is None else ckpt.model.eval().encode(x, y)
    return mu.double().numpy(), logvar.double().numpy()


@pytest.mark.parametrize("name", SHIPPED)
def test_active_units_and_kl_of_every_shipped_checkpoint_agree_with_numpy(datasets, name):
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    data = datasets[ckpt.train_config.dataset]
    y = torch.nn.functional.one_hot(data.y_test, 10).float() if getattr(ckpt.config, "conditional", False) else None
    got = collapse_measures(ckpt.model, eval_targets(data, ckpt.train_config), y)
    mu, logvar = encoded(ckpt, data)
    a = ((mu - mu.mean(0)) ** 2).mean(0)  # Burda et al.'s A_u, written out
    assert np.allclose(got["activity"], a, rtol=1e-6, atol=1e-9)
    assert got["active"] == int(np.sum(a > ACTIVE_THRESHOLD)) and got["images"] == len(mu)
    if not ckpt.config.variational:
        assert got["kl"] is None
        return
    kl = (0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar)).mean(0)
    assert np.allclose(got["kl"], kl, rtol=1e-6, atol=1e-9)
    if ckpt.config.likelihood != "notes":  # the notes' scale averages its KL the same way: it is 0 there anyway
        assert got["kl"].sum() == pytest.approx(ckpt.metrics["test_kl"], abs=2e-4)  # evaluate's KL is closed form


def test_the_collapsed_model_uses_at_most_three_dimensions_and_its_twin_more(datasets):
    x = datasets["mnist"].x_test
    kept, collapsed = (load_checkpoint(CHECKPOINT_DIR / f"{n}.safetensors") for n in ("bce-z8", "bce-z8-nofb"))
    assert kept.config == collapsed.config and collapsed.train_config.free_bits == 0 < kept.train_config.free_bits
    lost, used = collapse_measures(collapsed.model, x), collapse_measures(kept.model, x)
    assert lost["active"] <= 3 < used["active"]
    # an inactive unit carries (almost) nothing: its KL is a small fraction of a nat
    inactive = lost["activity"] <= ACTIVE_THRESHOLD
    assert inactive.sum() == 8 - lost["active"] and np.all(lost["kl"][inactive] < 0.05)


def test_a_traversal_moves_one_dimension_and_holds_the_others():
    model = load_checkpoint(CHECKPOINT_DIR / "bce-z8.safetensors").model
    z0, values = torch.linspace(-1, 1, 8), [-3.0, 0.0, 2.5]
    got = traversal(model, z0, 5, values)
    z = z0.repeat(3, 1)
    z[:, 5] = torch.tensor(values)
    with torch.no_grad():
        oracle = torch.sigmoid(model.decoder(z)).reshape(3, 28, 28)
    assert got.shape == (3, 28, 28) and torch.allclose(got, oracle)
