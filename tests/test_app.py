"""The app, driven headlessly by Streamlit's AppTest."""
import base64
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from vae.data import load_dataset
from vae.datasets import DATASETS
from vae.serve.checkpoint import CHECKPOINT_DIR, list_checkpoints, load_checkpoint

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = list_checkpoints(CHECKPOINT_DIR)


def test_app_runs_without_exception():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("Start here")


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
        mu, _ = ckpt.model.encode(data.x_test)
    for digit, trace in enumerate(fig["data"]):
        expected = mu[data.y_test == digit].numpy()
        np.testing.assert_allclose(plotly_array(trace["x"]), expected[:, 0], atol=1e-6)
        np.testing.assert_allclose(plotly_array(trace["y"]), expected[:, 1], atol=1e-6)
