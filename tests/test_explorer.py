"""The latent explorer: its pure helpers against PyTorch, and the page under AppTest."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from kinds import one_of_each_kind
from streamlit.testing.v1 import AppTest

from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.latent import encode_digit, prior_quantiles, prior_samples
from vae.serve.browser_values import BrowserValueError, read_z
from vae.serve.explorer import decoder_layers, square_view

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "explorer" / "page.py")
SHIPPED = one_of_each_kind()  # every latent size and objective; beyond 2-D the map is a slice


def m_dataset(name):
    return load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").train_config.dataset


def model(name="bce"):
    return load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model


def replay(layers, z):
    """The browser's decoder, written again in numpy: Linear, Tanh, ..., Linear, sigmoid."""
    x = np.asarray(z, dtype=np.float64)
    for k, (w, b) in enumerate(layers):
        x = x @ w.T.astype(np.float64) + b
        x = np.tanh(x) if k < len(layers) - 1 else 1 / (1 + np.exp(-x))
    return x


def test_decoder_layers_replayed_give_pytorchs_images():
    m = model()
    z = torch.tensor([[0.0, 0.0], [1.7, -2.3], [-4.0, 3.5]])
    expected = m.decode_images(z).reshape(3, 784).numpy()
    assert np.abs(replay(decoder_layers(m), z.numpy()) - expected).max() < 1e-5


def test_square_view_is_square_and_holds_the_prior_and_the_points():
    mu = np.random.default_rng(0).normal([3.0, -1.0], [0.5, 4.0], size=(5000, 2))
    x0, x1, y0, y1 = square_view(mu)
    assert x1 - x0 == pytest.approx(y1 - y0)
    assert x0 < -2 and x1 > 2 and y0 < -2 and y1 > 2
    inside = (mu[:, 0] > x0) & (mu[:, 0] < x1) & (mu[:, 1] > y0) & (mu[:, 1] < y1)
    assert inside.mean() > 0.995


@pytest.mark.parametrize("value", ["1,2", [1], [1, 2, 3], [1, "2"], [True, 1], [float("nan"), 0], {"z": 1}])
def test_read_z_refuses_anything_but_two_finite_numbers(value):
    with pytest.raises(BrowserValueError, match="not two finite numbers"):
        read_z(value)


def test_read_z_accepts_two_numbers_or_nothing_yet():
    assert read_z([1, -2.5]) == (1.0, -2.5) and read_z(None) is None


def test_payload_unpacks_to_the_decoder_and_the_encodings():
    from app_pages.explorer.component import _payload, stamp
    from ui.models import encoded_test_set
    from vae.serve.payload import unpack
    data = _payload("bce", stamp("bce"), None, None, None, None)
    assert len(data) < 2000  # the header alone: the arrays are the published file it names
    header, floats = unpack(data)
    assert header["body"].startswith("files/plane-bce-") and header["body_bytes"] == 4 * len(floats)
    layers = decoder_layers(model())
    sizes = [w.size + b.size for w, b in layers]
    assert header["layers"] == [[2, 16], [16, 48], [48, 196], [196, 784]]
    assert len(floats) == sum(sizes) + 3 * header["n"]
    np.testing.assert_array_equal(floats[:sizes[0] - 16].reshape(16, 2), layers[0][0])
    mu = floats[sum(sizes):sum(sizes) + 2 * header["n"]].reshape(-1, 2)
    np.testing.assert_array_equal(mu, encoded_test_set("bce")["mu"])


def test_prior_quantiles_split_the_prior_into_equal_slices():
    from math import erf, sqrt
    q = prior_quantiles(16)
    cdf = [0.5 * (1 + erf(v / sqrt(2))) for v in q]  # the standard normal's CDF, an independent oracle
    np.testing.assert_allclose(cdf, (np.arange(16) + 0.5) / 16, atol=1e-12)
    np.testing.assert_allclose(q, -np.asarray(q)[::-1], atol=1e-12)  # symmetric about 0


def test_the_atlas_holds_every_test_digit_at_its_index(mnist):
    import io

    from PIL import Image

    from app_pages.explorer.atlas import COLUMNS, atlas_png
    grid = np.asarray(Image.open(io.BytesIO(atlas_png(mnist.x_test.reshape(-1, 28, 28).numpy()))))
    assert grid.shape == (28 * len(mnist.x_test) // COLUMNS, 28 * COLUMNS)
    for i in (0, 1, 99, 100, 4321, 9999):
        r, c = divmod(i, COLUMNS)
        tile = grid[28 * r:28 * r + 28, 28 * c:28 * c + 28]
        np.testing.assert_array_equal(tile, np.rint(mnist.x_test[i].reshape(28, 28).numpy() * 255))


def test_the_payload_names_the_served_atlas_and_the_grids():
    from app_pages.explorer.atlas import STATIC_DIR
    from app_pages.explorer.component import GRID_N, _payload, stamp
    data = _payload("bce", stamp("bce"), None, None, None, None)
    header = json.loads(data[4:4 + int.from_bytes(data[:4], "little")])
    assert header["quantiles"] == prior_quantiles(GRID_N)
    assert header["atlas"].startswith("app/static/mnist-test.png?v=")
    assert (STATIC_DIR / "mnist-test.png").is_file()


def heatmap(at, key="explorer_server_digit"):
    """The pixels the page sent to its image component `key`."""
    view = next(c for c in at.get("bidi_component") if c.proto.id.endswith(f"-{key}"))
    return np.asarray(json.loads(view.proto.json)["pixels"])


@pytest.mark.parametrize("name", SHIPPED)
def test_page_runs_for_every_shipped_checkpoint(name):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.selectbox(key="explorer_checkpoint").select(name).run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["0.0000", "0.0000"]  # the map's centre until a click
    m = model(name)
    z = torch.zeros(2)
    if m.config.latent_dim > 2:  # the default slice: the two PCA directions through test image 0's code
        from app_pages.explorer.slices import plane_of
        from vae.data import load_dataset
        from vae.latent import slice_point
        with torch.no_grad():
            mu = m.encode(load_dataset(m_dataset(name)).x_test)[0].numpy()
        z = torch.tensor(slice_point(plane_of(("pca", 0), mu), 0.0, 0.0), dtype=torch.float32)
    np.testing.assert_allclose(heatmap(at), m.decode_images(z).numpy(), atol=1e-6)


@pytest.mark.parametrize("name, z", [("bce", [1.25, -0.75]), ("mse", [-2.5, 0.3125])])
def test_a_z_from_the_component_is_decoded_like_vae_does(name, z):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.selectbox(key="explorer_checkpoint").select(name).run()
    at.session_state["explorer_map"] = {"z": z}  # what the browser's setStateValue("z", ...) stores
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric] == [f"{z[0]:.4f}", f"{z[1]:.4f}"]
    expected = model(name).decode_images(torch.tensor(z)).numpy()
    np.testing.assert_allclose(heatmap(at), expected, atol=1e-7)


def test_a_malformed_z_from_the_browser_is_ignored():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.session_state["explorer_map"] = {"z": ["1", None]}
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["0.0000", "0.0000"]


def test_prior_samples_are_seeded_draws_from_the_standard_normal():
    m = model()
    z, images = prior_samples(m, 16, seed=3)
    expected = torch.randn((16, 2), generator=torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(z, expected.numpy())
    np.testing.assert_array_equal(images, m.decode_images(expected).numpy())


def test_redraw_button_draws_the_next_seeds_samples():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    first = heatmap(at, "explorer_prior")
    at.button(key="explorer_redraw").click().run()
    assert not at.exception
    assert at.session_state["explorer_seed"] == 1
    second = heatmap(at, "explorer_prior")
    _, images = prior_samples(model(), 16, seed=1)
    assert not np.array_equal(first, second)
    np.testing.assert_allclose(second[:28, :28], images[0], atol=5e-4)  # sent to 3 decimals
    np.testing.assert_allclose(second[29:57, 29:57], images[9], atol=5e-4)


def test_encode_digit_is_the_encoders_gaussian(mnist):
    m = model()
    x = mnist.x_test[5].numpy().reshape(28, 28)
    q = encode_digit(m, x)
    mu, logvar = m.encode(torch.from_numpy(x)[None])
    np.testing.assert_allclose(q["mu"], mu[0].detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(q["std"], torch.exp(0.5 * logvar)[0].detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(q["recon"], m.decode_images(mu)[0].numpy(), atol=1e-7)


def test_an_uploaded_checkpoint_is_offered_to_its_own_session_only(mnist):
    from ui.upload import STORE
    ckpt = load_checkpoint((CHECKPOINT_DIR / "mse.safetensors").read_bytes())
    mine = AppTest.from_file(PAGE, default_timeout=120)
    mine.session_state[STORE] = {"sha": ("uploaded: my-model", ckpt)}
    mine.run()
    assert mine.selectbox(key="explorer_checkpoint").options[0] == "uploaded: my-model"
    assert not mine.exception
    data = next(c for c in mine.get("bidi_component") if c.proto.id.endswith("-explorer_map")).proto.bytes
    head = int.from_bytes(data[:4], "little")
    header = json.loads(data[4:4 + head])
    floats = np.frombuffer(data[4 + head:], dtype="<f4")
    mu = floats[-3 * header["n"]:-header["n"]].reshape(-1, 2)
    np.testing.assert_allclose(mu, ckpt.model.encode(mnist.x_test)[0].detach().numpy(), atol=1e-6)
    other = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not any(o.startswith("uploaded") for o in other.selectbox(key="explorer_checkpoint").options)
