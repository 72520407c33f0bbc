"""The app, driven headlessly by Streamlit's AppTest."""
import base64
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from kinds import one_of_each_kind
from streamlit.testing.v1 import AppTest

from vae.data import load_dataset
from vae.datasets import DATASETS
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = one_of_each_kind()  # every latent size and objective; beyond 2-D the map is a slice


def test_app_runs_without_exception():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("Start here")


def test_a_checkpoint_deleted_after_the_listing_is_left_out(monkeypatch):
    """Another session's scratch run can be saved and deleted between checkpoints/ being listed and each file being
    read: the pages that list checkpoints still draw, without it. (Seen in CI: the Train page crashed on it.)"""
    import ui.models
    real = ui.models._files
    monkeypatch.setattr(ui.models, "_files", lambda: {**real(), "deleted-meanwhile": 0.0})
    assert "deleted-meanwhile" not in ui.models.checkpoint_names() and "bce" in ui.models.checkpoint_names()
    for page in ("train", "latent_map", "elbo_lab"):
        at = AppTest.from_file(str(ROOT / "app_pages" / page / "page.py"), default_timeout=120).run()
        assert not at.exception, page


def plotly_array(value):
    """Plotly sends numpy arrays as {"dtype", "bdata": base64}; plain lists stay lists."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


@pytest.mark.parametrize("name", SHIPPED)
def test_latent_map_plots_each_checkpoints_encoding(name):
    at = AppTest.from_file(str(ROOT / "app_pages" / "latent_map" / "page.py"), default_timeout=60).run()
    at.selectbox(key="latent_map_checkpoint").select(name).run()
    assert not at.exception and not at.error
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    dataset, data = DATASETS[ckpt.train_config.dataset], load_dataset(ckpt.train_config.dataset)
    assert f"Trained on {dataset.title}" in " ".join(c.value for c in at.caption)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in fig["data"]] == list(dataset.classes)  # "Ankle boot", not "9", for Fashion-MNIST
    assert fig["layout"]["legend"]["title"]["text"] == dataset.item
    with torch.no_grad():
        mu = ckpt.model.encode(data.x_test)[0].numpy().astype(np.float64)
    if mu.shape[1] > 2:  # a projection onto the top two eigenvectors of the codes' covariance, said as such
        _, vectors = np.linalg.eigh(np.cov(mu.T))
        top = vectors[:, [-1, -2]] * np.sign(vectors[np.abs(vectors[:, [-1, -2]]).argmax(0), [-1, -2]])
        mu = mu @ top
        assert any("The map is a projection" in i.value for i in at.info)
        assert (fig["layout"]["xaxis"]["title"]["text"], fig["layout"]["yaxis"]["title"]["text"]) == ("PC1", "PC2")
    for digit, trace in enumerate(fig["data"]):
        expected = mu[data.y_test.numpy() == digit]
        np.testing.assert_allclose(plotly_array(trace["x"]), expected[:, 0], atol=1e-5)
        np.testing.assert_allclose(plotly_array(trace["y"]), expected[:, 1], atol=1e-5)
