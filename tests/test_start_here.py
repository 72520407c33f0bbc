"""The "Start here" lesson under AppTest: every step through the navigation buttons, its numbers against vae/."""
import base64
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import vae.losses
from ui.chart import unpacked
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.toy import contested_pixel

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ("1 · An autoencoder", "2 · Its weaknesses", "3 · Encode to a distribution", "4 · The ELBO",
           "5 · The reparameterization trick", "6 · Why the samples are blurry")


def number(text):
    return float(re.search(r"-?[\d,]+\.?\d*", text).group().replace(",", ""))


def metric(at, start):
    return next(m.value for m in at.metric if m.label.startswith(start))


def model(name):
    return load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model


@pytest.fixture(scope="module")
def lesson():
    # Through app.py, whose st.navigation makes the lesson the home page and its links resolvable.
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def test_next_walks_all_six_steps_and_previous_walks_back(lesson):
    for i, header in enumerate(HEADERS):
        assert not lesson.exception and not lesson.error
        assert lesson.header[0].value.startswith(header)
        assert lesson.button(key="start_here_prev").disabled == (i == 0)
        assert lesson.button(key="start_here_next").disabled == (i == len(HEADERS) - 1)
        assert "Go deeper" in str(lesson.get("page_link")[-1].proto)
        if i < len(HEADERS) - 1:
            lesson.button(key="start_here_next").click().run()
    lesson.button(key="start_here_prev").click().run()
    assert lesson.header[0].value.startswith(HEADERS[4])
    lesson.segmented_control(key="start_here_step").set_value(None).run()  # a cleared picker shows step 1
    assert lesson.header[0].value.startswith(HEADERS[0]) and not lesson.exception


def go(at, step):
    at.segmented_control(key="start_here_step").set_value(at.segmented_control(key="start_here_step").options[step])
    return at.run()


def map_data(at, key) -> dict:
    """What the canvas chart made with `key` was given."""
    return json.loads(next(e for e in at.get("bidi_component") if e.proto.id.endswith(key)).proto.json)


def test_step_1_and_2_numbers(lesson, mnist):
    go(lesson, 0)
    ae = load_checkpoint(CHECKPOINT_DIR / "ae.safetensors")
    assert number(metric(lesson, "Reconstruction")) == pytest.approx(ae.metrics["test_recon"], abs=0.05)
    # the map: every test digit's code under ae, each class its own series, packed to a 30,000th of its range
    panel = map_data(lesson, "start_here_ae_map")["panels"][0]
    with torch.no_grad():
        mu = ae.model.encode(mnist.x_test)[0].numpy()
    for k in range(10):
        own = mnist.y_test.numpy() == k
        for axis, xy in enumerate("xy"):
            tolerance = np.abs(mu[own, axis]).max() / 32767 / 2 + 1e-6
            np.testing.assert_allclose(unpacked(panel["series"][k][xy]), mu[own, axis], atol=tolerance, rtol=0)
    assert sum(len(unpacked(s["x"])) for s in panel["series"][:10]) == 10_000
    assert panel["names"] == list("0123456789")
    go(lesson, 1)
    grid = json.loads(next(c for c in lesson.get("plotly_chart") if c.proto.id.endswith("start_here_samples_bce"))
                      .proto.spec)["data"][0]["z"]  # 16 prior samples, 8 a row, in single precision
    z = np.frombuffer(base64.b64decode(grid["bdata"]), grid["dtype"]).reshape([int(n) for n in grid["shape"].split(",")])
    assert grid["dtype"] == "f4" and z.shape == (2 * 30 - 2, 8 * 30 - 2)
    assert np.isnan(z).sum() == z.size - 16 * 28 * 28 and np.nanmin(z) >= 0 and np.nanmax(z) <= 1
    shares = [number(m.value) for m in lesson.metric if m.label.startswith("Test codes inside")]
    for name, share in zip(("ae", "bce"), shares):
        with torch.no_grad():
            mu = model(name).encode(mnist.x_test)[0]
        assert share == round(100 * (mu.norm(dim=1) < 2).float().mean().item())
    assert shares[0] < shares[1]
    lesson.button(key="start_here_redraw").click().run()
    assert lesson.session_state["start_here_seed"] == 1 and not lesson.exception


def test_step_3_kl_of_the_chosen_digit_under_the_chosen_beta(lesson, mnist):
    go(lesson, 2)
    lesson.select_slider(key="start_here_beta").set_value(4).run()
    lesson.number_input(key="start_here_digit").set_value(42).run()
    with torch.no_grad():
        mu, logvar = model("bce-b4").encode(mnist.x_test[42:43])
    q = torch.distributions.Normal(mu[0], (0.5 * logvar[0]).exp())
    kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum().item()
    assert number(metric(lesson, "This digit's KL")) == pytest.approx(kl, abs=0.006)
    fig = json.loads(lesson.get("plotly_chart")[0].proto.spec)
    mean = next(t for t in fig["data"] if t["name"] == "its mean μ")
    assert [mean["x"][0], mean["y"][0]] == pytest.approx(mu[0].tolist(), abs=1e-5)


def test_step_4_elbo_of_the_chosen_digit_and_the_real_source(lesson, mnist):
    go(lesson, 3)
    lesson.number_input(key="start_here_elbo_digit").set_value(11).run()
    m, x = model("bce"), mnist.x_test[11].reshape(1, 784)
    with torch.no_grad():
        mu, logvar = m.encode(x)
        z = mu + (0.5 * logvar).exp() * torch.randn((256, 1, 2), generator=torch.Generator().manual_seed(0))
        log_lik = torch.distributions.Bernoulli(logits=m.decode(z), validate_args=False).log_prob(x).sum(-1).mean().item()
        q = torch.distributions.Normal(mu[0], (0.5 * logvar[0]).exp())
        kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum().item()
    assert number(metric(lesson, "E_q[log p(x|z)]")) == pytest.approx(log_lik, abs=0.006)
    assert number(metric(lesson, "KL(q‖p)")) == pytest.approx(kl, abs=0.006)
    assert number(metric(lesson, "ELBO")) == pytest.approx(log_lik - kl, abs=0.011)
    source, = [c.value for c in lesson.code if c.language == "python"]  # (the other is the link to this view)
    assert source.strip() == inspect.getsource(vae.losses.elbo_terms).strip()


def test_step_5_draws_a_new_epsilon(lesson):
    go(lesson, 4)
    before = metric(lesson, "ε")
    lesson.button(key="start_here_eps").click().run()
    assert metric(lesson, "ε") != before and not lesson.exception
    mu, sigma, eps, z = (np.array(re.findall(r"-?\d+\.\d+", metric(lesson, s)), float) for s in ("μ", "σ", "ε", "z"))
    np.testing.assert_allclose(z, mu + sigma * eps, atol=0.02)


def test_step_6_the_contested_pixel_and_the_decoder_output(lesson, mnist):
    go(lesson, 5)
    lesson.number_input(key="start_here_blur_digit").set_value(25).run()
    m, x = model("bce"), mnist.x_test.reshape(-1, 784)
    with torch.no_grad():
        mu = m.encode(x)[0]
        found = contested_pixel(x, mu, 25, 50)
        output = m.decode_images(mu[25:26]).reshape(-1)[found["pixel"]].item()
    assert number(metric(lesson, "Their mean")) == pytest.approx(found["values"].mean().item(), abs=0.006)
    assert number(metric(lesson, "The decoder's output")) == pytest.approx(output, abs=0.006)


def test_presenter_mode_enlarges_the_figures(lesson):
    go(lesson, 2)
    height = lambda: lesson.get("plotly_chart")[0].proto.spec.count('"height":620')
    assert height() == 0
    lesson.toggle(key="start_here_presenter").set_value(True).run()
    assert height() == 1 and not lesson.exception
    go(lesson, 0)  # the first map, a canvas chart: taller, and every text larger
    assert {k: map_data(lesson, "start_here_ae_map")[k] for k in ("height", "font")} == {"height": 620, "font": 20}
    lesson.toggle(key="start_here_presenter").set_value(False).run()
    assert {k: map_data(lesson, "start_here_ae_map")[k] for k in ("height", "font")} == {"height": 460, "font": 14}
    go(lesson, 2)
