"""Beyond the plane: the PCA projection and the 2-D slices against direct numpy computation, the browser's folded
decoder against PyTorch, and the importance-sampled log p(x) against the exact quadrature of a 2-D model."""
import numpy as np
import pytest
import torch
from test_explorer import replay  # the browser's decoder, in numpy

from vae.config import VAEConfig
from vae.estimators import elbo_estimate, iwae_curve, iwae_log_px
from vae.latent import coordinate_axes, pca_plane, project, slice_plane, slice_point
from vae.model import VAE
from vae.posterior import decompose
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.serve.explorer import decoder_layers


@pytest.fixture(scope="module")
def codes():
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(8, 8)) * np.array([4, 2.5, 1, 0.5, 0.3, 0.2, 0.1, 0.05])[:, None]
    return rng.normal(size=(3000, 8)) @ mixing + rng.normal(size=8)


def test_pca_plane_is_the_top_two_eigenvectors_of_the_covariance(codes):
    found = pca_plane(codes)
    values, vectors = np.linalg.eigh(np.cov(codes.T, bias=True))  # ascending eigenvalues
    for k in range(2):
        assert abs(abs(found["axes"][k] @ vectors[:, -1 - k]) - 1) < 1e-9  # the same direction, up to sign
        assert found["share"][k] == pytest.approx(values[-1 - k] / values.sum(), rel=1e-9)
    assert np.allclose(found["axes"] @ found["axes"].T, np.eye(2))
    assert found["axes"][0, np.abs(found["axes"][0]).argmax()] > 0  # a fixed sign: the map never flips


def test_a_slice_holds_every_other_coordinate_at_the_chosen_code(codes):
    origin = codes[17]
    plane = slice_plane(origin, coordinate_axes(2, 5, 8))
    z = slice_point(plane, 1.5, -0.25)
    expected = origin.copy()
    expected[[2, 5]] = 1.5, -0.25
    assert np.allclose(z, expected)
    assert np.allclose(project(plane, origin[None]), origin[[2, 5]])  # the map's coordinates are z_i, z_j
    pca = slice_plane(origin, pca_plane(codes)["axes"])
    assert np.allclose(slice_point(pca, *project(pca, origin[None])[0]), origin)  # the slice passes through it
    a, b = project(pca, slice_point(pca, 0.7, 2.0)[None])[0]
    assert (a, b) == pytest.approx((0.7, 2.0))


@pytest.mark.parametrize("dim", [8, 32])
def test_the_folded_decoder_decodes_the_slice_as_pytorch_does(codes, dim):
    torch.manual_seed(dim)
    model = VAE(VAEConfig(latent_dim=dim)).eval()
    rng = np.random.default_rng(dim)
    origin, mu = rng.normal(size=dim), rng.normal(size=(500, dim)) * np.linspace(3, 0.1, dim)
    for axes in (pca_plane(mu)["axes"], coordinate_axes(0, dim - 1, dim)):
        plane = slice_plane(origin, axes)
        ab = np.array([[0.0, 0.0], [1.3, -0.7], [-2.9, 2.4]])
        z = torch.tensor(np.stack([slice_point(plane, a, b) for a, b in ab]), dtype=torch.float32)
        expected = model.decode_images(z).reshape(len(ab), 784).numpy()
        assert np.abs(replay(decoder_layers(model, plane), ab) - expected).max() < 1e-5


def test_iwae_agrees_with_the_quadrature_of_a_2d_model(mnist):
    model = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model
    for index in (0, 42):
        x = mnist.x_test[index]
        exact = decompose(model, x)
        curve = iwae_curve(model, x, ks=(5000,), repeats=10, generator=torch.Generator().manual_seed(index))
        mean, spread = curve["mean"][0], curve["std"][0]
        assert abs(mean - exact["log_px"]) <= 3 * spread + 0.02  # within its spread over repeats
        assert mean <= exact["log_px"] + 3 * spread  # and, on average, below: it is a bound
        one = iwae_log_px(model, x[None], 5000, torch.Generator().manual_seed(index)).item()
        assert abs(one - exact["log_px"]) <= 4 * spread + 0.02
        est = elbo_estimate(model, x, 20000, torch.Generator().manual_seed(index))
        assert abs(est["elbo"] - exact["elbo"]) <= 4 * est["se"] + 1e-3  # the ELBO beyond 2-D, checked in 2-D
        assert est["kl"] == pytest.approx(exact["kl_prior"], abs=1e-4)
