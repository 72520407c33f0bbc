"""The MSE vs BCE page under AppTest: every tab runs, and the numbers it shows are what vae/ computes."""
import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from vae.blur import blur_measures
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.toy import STROKES, fit_constant, stroke_data

ROOT = Path(__file__).resolve().parent.parent


def load(name):
    return load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model


def figure(at, key):
    [chart] = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    return json.loads(chart.proto.spec)


def heatmap_z(fig):
    z = fig["data"][0]["z"]
    if isinstance(z, dict):
        shape = [int(s) for s in str(z["shape"]).split(",")]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.array(z, dtype=float)


def table(at, column):
    """The one table of the open dataset holding `column` (the table of both datasets has a dataset column)."""
    [df] = [d.value for d in at.dataframe if column in d.value.columns and "dataset" not in d.value.columns]
    return df


@pytest.fixture(scope="module")
def at():
    return AppTest.from_file(str(ROOT / "app_pages" / "mse_vs_bce" / "page.py"), default_timeout=120).run()


def test_side_by_side_shows_each_models_reconstruction(at, mnist):
    at.radio(key="mse_vs_bce_source").set_value("one class").run()
    at.selectbox(key="mse_vs_bce_digit").select(3).run()
    at.number_input(key="mse_vs_bce_seed").set_value(5).run()
    assert not at.exception and not at.error
    fig = figure(at, "mse_vs_bce_recon")
    indices = [int(t[1:]) for t in fig["layout"]["xaxis"]["ticktext"]]
    assert len(indices) == 12 and all(mnist.y_test[i] == 3 for i in indices)
    z = heatmap_z(fig)
    x = mnist.x_test[indices]
    for row, name in enumerate(["original", "bce", "mse"]):
        if name == "original":
            expected = x.reshape(-1, 28, 28)
        else:
            with torch.no_grad():
                model = load(name)
                expected = model.decode_images(model.encode(x)[0])
        for col in range(12):
            tile = z[row * 30:row * 30 + 28, col * 30:col * 30 + 28]
            np.testing.assert_allclose(tile, expected[col].numpy(), atol=1e-5)


def test_numbers_table_matches_checkpoints(at):
    df = table(at, "−ELBO (test loss)").set_index("model")
    for name in ("bce", "mse"):
        metrics = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").metrics
        assert df.loc[name, "−ELBO (test loss)"] == round(metrics["test_loss"], 2)
        assert df.loc[name, "KL"] == round(metrics["test_kl"], 2)
        assert "nats per image" in df.loc[name, "unit"]


def test_blur_table_matches_vae_blur(at, mnist):
    df = table(at, "edge steepness, grey levels per pixel").set_index("images")
    real = blur_measures(mnist.x_test)
    assert df.loc["real test images", "undecided pixels (0.2 < p < 0.8), share"] == round(real["grey_share"], 3)
    with torch.no_grad():
        model = load("mse")
        recon = blur_measures(model.decode_images(model.encode(mnist.x_test)[0]))
    row = df.loc["mse: reconstructions"]
    assert row["binary entropy, bits per pixel"] == round(recon["entropy_bits"], 3)
    assert row["edge steepness, grey levels per pixel"] == round(recon["edge_steepness"], 3)
    verdict = [e.value for e in at.info if "undecided pixels" in e.value]
    assert verdict and f"{real['grey_share']:.1%}" in verdict[0]


def test_toy_reports_the_fitted_mean(at):
    at.slider(key="mse_vs_bce_p").set_value(0.3).run()
    assert not at.exception
    text = next(m.value for m in at.markdown if "the MSE fit ends at" in m.value)
    shown_mse, shown_bce = (float(v) for v in re.findall(r"\*\*([\d.]+)\*\*", text)[:2])
    x = stroke_data(0.3, 500, torch.Generator().manual_seed(0))
    pixel = STROKES[1][-1]
    assert shown_mse == round(fit_constant(x, "mse")["output"][pixel].item(), 2)
    assert shown_bce == round(fit_constant(x, "bce")["output"][pixel].item(), 2)
    assert abs(shown_mse - x[:, pixel].mean().item()) <= 0.01


def test_real_pixel_neighbourhood(at, mnist):
    at.number_input(key="mse_vs_bce_index").set_value(7).run()
    assert not at.exception
    text = next(m.value for m in at.markdown if "encoded nearest to #7" in m.value)
    row, col = map(int, re.search(r"row (\d+), column (\d+)", text).groups())
    with torch.no_grad():
        mu = load("bce").encode(mnist.x_test)[0]
    nearest = torch.cdist(mu[7:8], mu)[0].argsort()[:50]
    values = mnist.x_test[nearest, row * 28 + col]
    assert values.var().item() == pytest.approx(mnist.x_test[nearest].var(0).max().item())
    assert f"neighbours' mean is **{values.mean().item():.2f}**" in text


@pytest.mark.parametrize("knob, models", [("Decoder σ (Gaussian)", ["mse-s005", "mse", "mse-s02", "mse-s04"]),
                                          ("β (Bernoulli)", ["bce", "bce-b2", "bce-b4"]),
                                          ("The notes' loss", ["mse", "notes"])])
def test_knobs(at, mnist, knob, models):
    at.radio(key="mse_vs_bce_knob").set_value(knob).run()
    assert not at.exception and not at.error
    df = table(at, "squared error/image")
    assert df["model"].tolist() == models
    for name, kl, se in zip(models, df["KL, nats/image"], df["squared error/image"]):
        model = load(name)
        with torch.no_grad():
            recon = model.decode_images(model.encode(mnist.x_test)[0]).reshape(len(mnist.x_test), -1)
        assert se == round(((recon - mnist.x_test) ** 2).sum(1).mean().item(), 1)
        assert kl == round(load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").metrics["test_kl"], 2)
