"""Every page on a Fashion-MNIST checkpoint, under AppTest: the checkpoint's own test images, its class names
wherever a label appears, and links that open it directly."""
import json
import time
import uuid
from pathlib import Path

import pytest
from links import page

from vae.blur import blur_measures
from vae.data import load_dataset
from vae.datasets import DATASETS
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

ROOT = Path(__file__).resolve().parent.parent
CLASSES = list(DATASETS["fashion-mnist"].classes)


def charts(at) -> dict:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


@pytest.fixture(scope="module")
def fashion():
    return load_dataset("fashion-mnist")


def test_the_lesson_on_fashion_mnist(fashion):
    at = page("start_here", dataset="fashion-mnist")
    assert not at.exception and at.session_state["start_here_dataset"] == "fashion-mnist"
    assert "every Fashion-MNIST test item" in " ".join(m.value for m in at.markdown)
    [canvas] = [json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.id.endswith("start_here_ae_map")]
    assert canvas["panels"][0]["names"] == [item["name"] for item in canvas["legend"][:10]] == CLASSES
    assert canvas["note"].endswith("test item's code, coloured by its class")
    assert at.query_params["dataset"] == "fashion-mnist" and at.query_params["step"] == "1"
    at.button(key="start_here_next").click().run()
    assert {s.value for s in at.subheader} >= {"Autoencoder (fashion-ae)", "VAE (fashion-bce)"}
    at.button(key="start_here_next").click().run()  # step 3: the β models are MNIST's, and the page says so
    assert any("trained on MNIST only" in c.value for c in at.caption) and not at.exception
    at.button(key="start_here_next").click().run()
    assert at.number_input(key="start_here_elbo_digit").label == "Test item (0-9999)"
    assert any("Model fashion-bce" in c.value for c in at.caption)


def test_mse_vs_bce_on_both_datasets(fashion):
    at = page("mse_vs_bce", dataset="fashion-mnist")
    assert not at.exception and not at.error
    numbers = [d.value for d in at.dataframe if "−ELBO (test loss)" in d.value.columns][0]
    assert numbers["model"].tolist() == ["fashion-bce", "fashion-mse"]
    assert at.selectbox(key="mse_vs_bce_digit").options == CLASSES
    both = [d.value for d in at.dataframe if "dataset" in d.value.columns][0]
    assert sorted(set(both["dataset"])) == ["Fashion-MNIST", "MNIST"]
    real = both[(both["dataset"] == "Fashion-MNIST") & (both["images"] == "real test images")].iloc[0]
    assert real["undecided pixels (0.2 < p < 0.8), share"] == round(blur_measures(fashion.x_test)["grey_share"], 3)
    assert len(both) == 6 and at.query_params["dataset"] == "fashion-mnist"
    at.segmented_control(key="mse_vs_bce_dataset").set_value("mnist").run()
    numbers = [d.value for d in at.dataframe if "−ELBO (test loss)" in d.value.columns][0]
    assert numbers["model"].tolist() == ["bce", "mse"] and at.query_params["dataset"] == "mnist"


def test_the_elbo_lab_names_the_item(fashion):
    at = page("elbo_lab", checkpoint="fashion-bce", digit="0")
    assert not at.exception and at.selectbox(key="elbo_lab_checkpoint").value == "fashion-bce"
    assert at.number_input(key="elbo_lab_index").label == "Test item (0-9999) of Fashion-MNIST"
    captions = [i.proto.imgs[0].caption for i in at.get("image")]
    assert f"test item 0: {CLASSES[int(fashion.y_test[0])]}" in captions  # test item 0 is an ankle boot


def test_the_explorer_sends_the_class_names_and_the_fashion_atlas():
    from app_pages.explorer.component import payload
    from vae.serve.payload import unpack
    at = page("explorer", checkpoint="fashion-bce")
    assert not at.exception and at.selectbox(key="explorer_checkpoint").value == "fashion-bce"
    assert any("Trained on Fashion-MNIST" in c.value for c in at.caption)
    header, _ = unpack(payload("fashion-bce"))
    assert header["classes"] == CLASSES and header["item"] == "item"
    assert header["atlas"].startswith("app/static/fashion-mnist-test.png?v=")
    assert (ROOT / "static" / "fashion-mnist-test.png").is_file()


def test_the_train_page_trains_on_fashion_mnist(fashion):
    name = f"test-{uuid.uuid4().hex[:8]}"
    try:
        at = page("train")
        at.segmented_control(key="train_where").set_value("server").run()
        at.selectbox(key="train_dataset").select("fashion-mnist").run()
        at.number_input(key="train_epochs").set_value(1).run()
        at.button(key="train_start").click().run()
        worker = at.session_state["train_runs"][-1]
        assert worker.cfg.dataset == "fashion-mnist"
        while not worker.snapshot()["frames"] or len(worker.snapshot()["steps"]) < 5:
            time.sleep(0.05)
        worker.stop()
        worker.join(10)
        at.run()
        frame = charts(at)
        assert [t["name"] for t in next(iter(frame.values()))["data"]] != []
        replay = [f for f in frame.values() if f["layout"].get("legend", {}).get("title", {}).get("text") == "item"]
        assert replay and [t["name"] for t in replay[0]["data"]] == CLASSES
        at.text_input(key="train_save_name").input(name).run()
        at.button(key="train_save").click().run()
        saved = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
        assert saved.train_config.dataset == "fashion-mnist" and saved.data_sha256 == fashion.sha256
    finally:
        (CHECKPOINT_DIR / f"{name}.safetensors").unlink(missing_ok=True)


def test_starting_from_a_fashion_checkpoint_keeps_its_dataset():
    at = page("train", checkpoint="fashion-bce")
    assert not at.exception and at.selectbox(key="train_warm_start").value == "fashion-bce"
    assert at.selectbox(key="train_dataset").value == "fashion-mnist" and at.selectbox(key="train_dataset").disabled
    at.selectbox(key="train_warm_start").select("bce").run()
    assert at.selectbox(key="train_dataset").value == "mnist"
    at.selectbox(key="train_warm_start").select("scratch").run()
    assert not at.selectbox(key="train_dataset").disabled
