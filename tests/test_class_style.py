"""Class and style: the conditional decoder the browser replays against PyTorch, a digit encoded with its class, the
page under AppTest (its links, junk-safe), and a conditional model opened on every other page."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from links import LINKING, page
from streamlit.testing.v1 import AppTest

from vae.config import VAEConfig
from vae.model import VAE, one_hot
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.serve.explorer import class_decoder_layers

ROOT = Path(__file__).resolve().parent.parent
CVAE = "cvae"
HOSTILE = ["../../etc/passwd", "<script>alert(1)</script>", "abc", "1e308,nan", "-5", "99999", "", "x" * 10_000]


def replay(layers, bias, z):
    """The browser's decoder for one class, in numpy: the first layer's bias is that class's."""
    x = np.asarray(z, dtype=np.float64)
    for k, (w, b) in enumerate(layers):
        x = x @ w.T.astype(np.float64) + (bias if k == 0 else b)
        x = np.tanh(x) if k < len(layers) - 1 else 1 / (1 + np.exp(-x))
    return x


def header_of(at):
    from vae.serve.payload import unpack
    return unpack(next(c for c in at.get("bidi_component") if c.proto.id.endswith("-class_style_plane")).proto.bytes)


def notices(at) -> list[str]:
    return [c.value for c in at.caption if "in the link" in c.value]


def test_each_classs_folded_decoder_gives_pytorchs_images():
    torch.manual_seed(0)
    model = VAE(VAEConfig(conditional=True)).eval()
    layers, biases = class_decoder_layers(model)
    assert layers[0][0].shape == (16, 2) and biases.shape == (10, 16)
    z = torch.tensor([[0.0, 0.0], [1.7, -2.3], [-4.0, 3.5]])
    for k in range(10):
        expected = model.decode_images(z, one_hot([k])).reshape(3, 784).numpy()
        assert np.abs(replay(layers, biases[k], z.numpy()) - expected).max() < 1e-5


def test_the_page_opens_a_links_checkpoint_point_class_and_digit():
    at = page("class_style", checkpoint=CVAE, z="1.5,-0.5", **{"class": "3"}, digit="12")
    assert not at.exception and notices(at) == []
    assert at.selectbox(key="class_style_checkpoint").value == CVAE
    assert at.selectbox(key="class_style_only").value == 3
    header, _ = header_of(at)
    assert header["start"] == [1.5, -0.5] and header["only"] == 3 and header["classes"] == list("0123456789")
    assert at.query_params["z"] == "1.5,-0.5" and at.query_params["class"] == "3" and at.query_params["digit"] == "12"


def test_the_plane_holds_the_test_codes_encoded_with_their_own_class(mnist):
    at = page("class_style", checkpoint=CVAE)
    header, floats = header_of(at)
    n = header["n"]
    mu, labels = floats[-3 * n:-n].reshape(-1, 2), floats[-n:]
    model = load_checkpoint(CHECKPOINT_DIR / f"{CVAE}.safetensors").model
    expected = model.encode(mnist.x_test, one_hot(mnist.y_test))[0].detach().numpy()
    np.testing.assert_allclose(mu, expected, atol=1e-6)
    assert np.array_equal(labels, mnist.y_test.numpy())


@pytest.mark.parametrize("param, default_check", [
    ("checkpoint", lambda at: at.selectbox(key="class_style_checkpoint").value == CVAE),
    ("z", lambda at: header_of(at)[0]["start"] is None),
    ("class", lambda at: at.selectbox(key="class_style_only").value == -1),
    ("digit", lambda at: at.query_params["digit"] == "7"),
])
@pytest.mark.parametrize("value", HOSTILE, ids=["path", "script", "word", "nan", "negative", "big", "empty", "10kB"])
def test_a_hostile_value_falls_back_to_the_default_with_a_notice(param, default_check, value):
    at = page("class_style", **{param: value})
    assert not at.exception and default_check(at)
    if not (param == "z" and value == ""):
        assert len(notices(at)) == 1 and f"Ignored `{param}` in the link" in notices(at)[0]
    shown = [e.value for e in (*at.caption, *at.markdown, *at.warning, *at.error) if isinstance(e.value, str)]
    assert len(value) <= 3 or not any(value in text for text in shown)


def test_an_unconditional_checkpoint_in_the_link_is_refused_with_a_notice():
    at = page("class_style", checkpoint="bce")
    assert not at.exception and at.selectbox(key="class_style_checkpoint").value == CVAE
    assert len(notices(at)) == 1


@pytest.mark.parametrize("key, picker", [("explorer", "explorer_checkpoint"), ("latent_map", "latent_map_checkpoint"),
                                         ("elbo_lab", "elbo_lab_checkpoint")])
def test_a_conditional_checkpoint_in_another_pages_link_says_where_it_is_shown(key, picker):
    at = page(key, checkpoint=CVAE)
    assert not at.exception and at.selectbox(key=picker).value == "bce"
    assert CVAE not in at.selectbox(key=picker).options
    assert notices(at) == [":material/link_off: Ignored `checkpoint` in the link: it names a conditional model, which "
                           "the page [Class and style](class_style) shows. This page shows its default instead."]


OTHER_PAGES = ["latent_map", "explorer", "elbo_lab", "mse_vs_bce", "latent_size", "train", "start_here", "class_board"]


@pytest.mark.parametrize("key", OTHER_PAGES)
def test_an_uploaded_conditional_model_is_offered_on_class_and_style_only(key):
    from ui.upload import STORE
    ckpt = load_checkpoint((CHECKPOINT_DIR / f"{CVAE}.safetensors").read_bytes())
    linking = key in LINKING  # opened through app.py's navigation, as tests/links.py does
    at = AppTest.from_file(str(ROOT / ("app.py" if linking else f"app_pages/{key}/page.py")), default_timeout=120)
    at.session_state[STORE] = {"sha": ("uploaded: my-cvae", ckpt)}
    at.run()
    if linking and key != "start_here":
        at.switch_page(f"app_pages/{key}/page.py").run()
    assert not at.exception
    assert not any(o == "uploaded: my-cvae" for box in at.selectbox for o in box.options)


def test_an_uploaded_conditional_model_opens_on_class_and_style():
    from ui.upload import STORE
    ckpt = load_checkpoint((CHECKPOINT_DIR / f"{CVAE}.safetensors").read_bytes())
    at = AppTest.from_file(str(ROOT / "app_pages" / "class_style" / "page.py"), default_timeout=120)
    at.session_state[STORE] = {"sha": ("uploaded: my-cvae", ckpt)}
    at.run()
    assert not at.exception and at.selectbox(key="class_style_checkpoint").value == "uploaded: my-cvae"
    assert header_of(at)[0]["name"] == "uploaded: my-cvae"


def test_bayes_rule_on_a_test_digit_is_shown_as_computed(mnist):
    from vae.bayes import bayes_rule
    from vae.marginal import log_marginal_grid
    at = page("class_style", checkpoint=CVAE, digit="3")
    assert not at.exception
    x = mnist.x_test[3].reshape(-1)
    found = bayes_rule(load_checkpoint(CHECKPOINT_DIR / f"{CVAE}.safetensors").model, x)
    p = found["p_y_given_x"].numpy()
    assert abs(p.sum() - 1) < 1e-9
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["read as"] == str(int(np.argmax(p)))
    assert metrics["its p(y|x)"] == f"{p.max():.4f}"
    assert metrics["log p(x), conditional model: log Σ_y p(y) p(x|y)"] == f"{found['log_px']:.3f} nats"
    bce = log_marginal_grid(load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model, x)["log_px"]
    assert metrics["log p(x), unconditional `bce`"] == f"{bce:.3f} nats"
    bars = next(c for c in at.get("plotly_chart"))
    assert np.allclose(json.loads(bars.proto.spec)["data"][0]["x"], p)


@pytest.mark.parametrize("key", OTHER_PAGES)
def test_every_other_page_opened_on_a_conditional_models_link_says_one_line(key):
    at = page(key, checkpoint=CVAE)
    assert not at.exception
    said = [c.value for c in at.caption if "link" in c.value and "Ignored" in c.value]
    assert len(said) == 1, said
    assert not any(CVAE in o for box in at.selectbox for o in box.options)


def table_pixels(at, key):
    import base64
    data = next(c for c in at.get("bidi_component") if c.proto.id.endswith(f"-{key}")).proto.json
    table = json.loads(data) if isinstance(data, str) and data else None
    return table, np.frombuffer(base64.b64decode(table["pixels"]), dtype=np.uint8)


def test_a_drawing_is_encoded_with_its_class_and_redrawn_as_every_class():
    from vae.serve.browser_values import read_ink
    from vae.serve.digit_image import normalise_digit
    ink = np.zeros((56, 56))
    ink[10:14, 12:44] = 1.0  # a 7: a bar, and a stroke down from its right end
    for r in range(14, 48):
        ink[r, 40 - (r - 14) // 2:44 - (r - 14) // 2] = 1.0
    at = AppTest.from_file(str(ROOT / "app_pages" / "class_style" / "page.py"), default_timeout=200)
    at.session_state["class_style_pad"] = {"ink": ink.ravel().tolist()}
    at.session_state["class_style_own_class"] = 7
    at.run()
    assert not at.exception and at.error.len == 0
    model = load_checkpoint(CHECKPOINT_DIR / f"{CVAE}.safetensors").model
    x = torch.as_tensor(normalise_digit(read_ink(ink.ravel().tolist(), 56), 20)).reshape(1, 784)
    mu = model.encode(x, one_hot([7]))[0]
    expected = model.decode_images(mu, one_hot(torch.arange(10))).numpy()  # (10, 28, 28): its z, every class
    table, pixels = table_pixels(at, "class_style_own_table")
    assert table["rows"] == list("0123456789") and table["columns"] == ["yours"]
    assert np.abs(pixels.reshape(10, 28, 28) - np.round(255 * expected)).max() <= 1
    grid, pixels = table_pixels(at, "class_style_grid")
    assert grid["columns"][0] == "yours"  # the grid's first column is the same style
    assert np.abs(pixels.reshape(10, -1, 28, 28)[:, 0] - np.round(255 * expected)).max() <= 1


@pytest.mark.parametrize("ink", [[1, "x"], [0.5] * 10, "ink", {"a": 1}, [float("nan")] * 3136])
def test_a_malformed_drawing_is_one_line_and_the_page_still_draws(ink):
    at = AppTest.from_file(str(ROOT / "app_pages" / "class_style" / "page.py"), default_timeout=200)
    at.session_state["class_style_pad"] = {"ink": ink}
    at.run()
    assert not at.exception and [e.value for e in at.error] == [
        "the drawing pad sent something other than 3136 grey levels; it was ignored. Clear the pad and draw again."]


def _sidebar():
    from ui.upload import upload_sidebar
    upload_sidebar()


@pytest.mark.parametrize("latent_dim, said", [(2, "the checkpoint picker of the page [Class and style](class_style)"),
                                              (8, "a conditional model with 8 latent dimensions: no page shows one")])
def test_the_sidebar_says_where_an_uploaded_conditional_model_is_shown(latent_dim, said):
    from vae.config import TrainConfig
    from vae.serve.checkpoint import checkpoint_bytes
    if latent_dim == 2:
        data = (CHECKPOINT_DIR / f"{CVAE}.safetensors").read_bytes()
    else:
        data = checkpoint_bytes(VAE(VAEConfig(conditional=True, latent_dim=latent_dim)), TrainConfig())
    at = AppTest.from_function(_sidebar, default_timeout=60).run()
    at.file_uploader(key="ckpt_upload").set_value(("my-cvae.safetensors", data, "application/octet-stream")).run()
    assert not at.exception and not at.sidebar.error and said in at.sidebar.success[0].value
