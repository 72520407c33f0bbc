"""log p(x) by quadrature, checked against an exact answer and used to check that the ELBO is a lower bound."""
import pytest
import torch

from vae.checkpoint import CHECKPOINT_DIR, checkpoint_path, load_checkpoint
from vae.losses import bernoulli_nll
from vae.marginal import elbo_estimate, iwae_bound, log_marginal_grid
from vae.trainer import build_model
from vae.config import VAEConfig


def test_quadrature_is_exact_when_the_decoder_ignores_z(mnist):
    """With zero weights into the last layer, p(x|z) is constant, so log p(x) = log p(x|z) for any z."""
    model = build_model(VAEConfig(), 0).eval()
    with torch.no_grad():
        model.decoder[-1].weight.zero_()
    x = mnist.x_test[0]
    expected = -bernoulli_nll(x, model.decoder[-1].bias).item()
    assert log_marginal_grid(model, x)["log_px"] == pytest.approx(expected, abs=1e-3)


@pytest.fixture(scope="module")
def bce_model():
    path = checkpoint_path("bce", CHECKPOINT_DIR)
    if not path.exists():
        pytest.fail("checkpoints/bce.safetensors is missing: it ships with the project")
    return load_checkpoint(path).model


@pytest.mark.parametrize("index", [0, 1, 7, 42])
def test_elbo_is_below_log_px_and_iwae_closes_the_gap(mnist, bce_model, index):
    x = mnist.x_test[index]
    gen = torch.Generator().manual_seed(index)
    log_px = log_marginal_grid(bce_model, x)["log_px"]
    elbo = elbo_estimate(bce_model, x, 20_000, gen)
    iwae = iwae_bound(bce_model, x, 5000, gen)
    assert elbo < iwae <= log_px + 0.05
    assert log_px - iwae < 0.1 < log_px - elbo  # the ELBO's gap (KL to the true posterior) is far larger


def test_quadrature_is_stable_under_grid_refinement(mnist, bce_model):
    x = mnist.x_test[3]
    coarse = log_marginal_grid(bce_model, x, n_coarse=96, n_fine=128)["log_px"]
    fine = log_marginal_grid(bce_model, x, n_coarse=160, n_fine=384)["log_px"]
    assert coarse == pytest.approx(fine, abs=1e-3)
