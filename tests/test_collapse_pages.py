"""Posterior collapse on the pages, under AppTest: the Latent size page's table, KL bars and side-by-side traversals of
bce-z8 and its twin trained without free bits, their view in the link (hostile values fall back with a notice), and
the latent map's active units."""
import base64
import json

import numpy as np
import pytest
import torch
from links import page

from vae.collapse import collapse_measures
from vae.data import load_dataset
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

HOSTILE = ["../../etc/passwd", "<script>alert(1)</script>", "bce-z9", "-5", "99999", "", "x" * 10_000]


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist")


@pytest.fixture(scope="module")
def at():
    return page("latent_size", dims="bce-z8-nofb", digit="42")


def figure(at, key) -> dict:
    [fig] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return fig


def array(value) -> np.ndarray:
    """A figure's array as plotly sends it: a list, or {"bdata": base64, "dtype", "shape"}."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.asarray(value, dtype=float)


def measured(name, x):
    return collapse_measures(load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors").model, x)


def test_the_table_gives_each_models_active_units_and_kl_per_dimension(at, mnist):
    assert not at.exception and not at.error
    [table] = [d.value for d in at.dataframe if "active units" in d.value.columns]
    assert table["checkpoint"].tolist() == ["bce", "bce-z4", "bce-z8", "bce-z16", "bce-z32", "bce-z8-nofb"]
    for _, row in table.iterrows():
        m = measured(row["checkpoint"], mnist.x_test)
        assert row["active units"] == m["active"] and row["KL, nats"] == round(float(m["kl"].sum()), 2)
        shown = [float(v) for v in row["KL per dimension, largest first"].split(" · ")]
        assert shown == [round(float(v), 2) for v in np.sort(m["kl"])[::-1]]
    active = dict(zip(table["checkpoint"], table["active units"]))
    assert active["bce-z8-nofb"] <= 3 < active["bce-z8"]


def test_the_links_checkpoint_gets_sorted_bars_and_its_active_units(at, mnist):
    assert at.selectbox(key="latent_size_collapse").value == "bce-z8-nofb"
    [bars] = figure(at, "latent_size_collapse_bars")["data"]
    m = measured("bce-z8-nofb", mnist.x_test)
    assert bars["y"] == pytest.approx(sorted(m["kl"], reverse=True), abs=1e-6)
    assert bars["x"] == [f"z{u + 1}" for u in np.argsort(-m["kl"], kind="stable")]
    assert "2 of 8" in [x.value for x in at.metric] and m["active"] == 2


def test_both_models_are_traversed_from_the_links_digit(at):
    assert at.number_input(key="latent_size_traverse_digit").value == 42
    model = load_checkpoint(CHECKPOINT_DIR / "bce-z8-nofb.safetensors").model
    fig = figure(at, "latent_size_traverse_bce-z8-nofb")
    tiles = array(fig["data"][0]["z"]) / 255
    assert tiles.shape == (8 * 30 - 2, 7 * 30 - 2) and len(fig["layout"]["yaxis"]["ticktext"]) == 8
    # the first row is the most informative dimension at -3, the others at digit 42's posterior mean
    with torch.no_grad():
        mu = model.encode(load_dataset("mnist").x_test[42:43])[0][0]
        u = int(fig["layout"]["yaxis"]["ticktext"][0].split(" ")[0][1:]) - 1
        z = mu.clone()
        z[u] = -3.0
        first = model.decode_images(z[None])[0].numpy()
    assert np.abs(tiles[:28, :28] - first).max() <= 0.5 / 255 + 1e-6
    # an inactive dimension changes nothing to see (no pixel by 2%) where the active one redraws the digit
    change = [max(np.abs(row[:, j * 30:j * 30 + 28] - row[:, :28]).max() for j in range(7))
              for row in (tiles[:28], tiles[7 * 30:7 * 30 + 28])]
    assert fig["layout"]["yaxis"]["ticktext"][-1].endswith("✗")
    assert change[1] < 0.02 and change[0] > 0.5
    assert figure(at, "latent_size_traverse_bce-z8")  # its twin beside it
    assert at.query_params["dims"] == "bce-z8-nofb" and at.query_params["digit"] == "42"


@pytest.mark.parametrize("param", ["dims", "digit"])
@pytest.mark.parametrize("value", HOSTILE, ids=["path", "script", "word", "negative", "big", "empty", "10kB"])
def test_a_hostile_value_falls_back_with_a_notice(param, value):
    at = page("latent_size", **{param: value})
    assert not at.exception
    notices = [c.value for c in at.caption if "in the link" in c.value]
    assert len(notices) == 1 and f"Ignored `{param}` in the link" in notices[0]
    assert at.selectbox(key="latent_size_collapse").value == "bce"
    assert at.number_input(key="latent_size_traverse_digit").value == 0
    if len(value) > 3:
        assert not any(value in e.value for e in (*at.caption, *at.markdown) if isinstance(e.value, str))


def test_the_latent_map_gives_the_active_units_of_the_collapsed_model():
    at = page("latent_map", checkpoint="bce-z8-nofb")
    assert not at.exception and "2 of 8" in [m.value for m in at.metric]
    [bars] = figure(at, "latent_map_collapse")["data"]
    assert len(bars["y"]) == 8 and sum(bars["y"]) == pytest.approx(
        load_checkpoint(CHECKPOINT_DIR / "bce-z8-nofb.safetensors").metrics["test_kl"], abs=1e-3)
