"""The training page: AppTest for settings, start, stop and save; Chromium for the live view."""
import json
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch
from playwright.sync_api import Error as PlaywrightError
from streamlit.testing.v1 import AppTest

from conftest import ARTIFACTS, on_the_server
from links import page
from test_accessibility_browser import FADED
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "train" / "page.py")


@pytest.fixture
def scratch_name():
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    (CHECKPOINT_DIR / f"{name}.safetensors").unlink(missing_ok=True)


def test_settings_start_stop_resume_and_save(scratch_name):
    at = page("train")
    at.segmented_control(key="train_where").set_value("server").run()
    assert not at.exception and at.button(key="train_stop").disabled
    at.selectbox(key="train_likelihood").select("mse").run()
    at.number_input(key="train_sigma").set_value(0.2).run()
    at.number_input(key="train_epochs").set_value(20).run()
    at.number_input(key="train_seed").set_value(3).run()
    at.button(key="train_start").click().run()
    worker = at.session_state["train_runs"][-1]
    assert worker.running and worker.model.config.sigma == 0.2 and worker.cfg.seed == 3
    while len(worker.snapshot()["steps"]) < 5:
        time.sleep(0.05)
    at.run()
    assert at.button(key="train_start").disabled and not at.exception
    at.button(key="train_stop").click().run()
    assert not worker.running and worker.snapshot()["end"]["kind"] == "stopped"
    assert any("stopped" in i.value for i in at.info)
    at.button(key="train_resume").click().run()
    resumed = at.session_state["train_runs"][-1]
    assert resumed is not worker and resumed.cfg.epochs == 20 - len(worker.snapshot()["epochs"])
    resumed.stop()
    resumed.join(10)
    at.run()
    at.text_input(key="train_save_name").input("mse").run()
    at.button(key="train_save").click().run()
    assert "exists already" in at.error[0].value  # a shipped checkpoint is never overwritten
    at.text_input(key="train_save_name").input("../escape").run()
    at.button(key="train_save").click().run()
    assert "refusing to write" in at.error[0].value
    at.text_input(key="train_save_name").input(scratch_name).run()
    at.button(key="train_save").click().run()
    assert not at.error and scratch_name in at.success[0].value
    saved = load_checkpoint(CHECKPOINT_DIR / f"{scratch_name}.safetensors")
    assert saved.config.likelihood == "mse" and saved.config.sigma == 0.2
    ran = [len(w.snapshot()["epochs"]) for w in (worker, resumed)]
    assert len(saved.history) == sum(ran)  # the resumed run continues the first one's history
    at.button(key="train_start").click().run()  # a new model: its history starts afresh, the old runs are let go
    fresh = at.session_state["train_runs"]
    assert len(fresh) == 1 and fresh[0] not in (worker, resumed)
    fresh[0].stop()
    fresh[0].join(10)


def test_divergent_setting_is_explained():
    at = page("train")
    at.segmented_control(key="train_where").set_value("server").run()
    at.select_slider(key="train_lr").set_value(10.0).run()
    at.button(key="train_start").click().run()
    at.session_state["train_runs"][-1].join(60)
    at.run()
    assert "diverged" in at.error[0].value and "smaller learning rate" in at.error[0].value


LIVE_CURVES = ".st-key-train_live_curves .lc-root"  # inside the component's shadow root: Playwright pierces it


def _drawn(page) -> int:
    """The newest training step drawn in the live curves (-1 before the first, or while a poll replaces them)."""
    try:
        return int(json.loads(page.locator(LIVE_CURVES).get_attribute("data-last", timeout=1000))[0])
    except (PlaywrightError, TypeError, ValueError):
        return -1


def _grows(page, than):
    """Wait for the next poll that shows more training steps than `than`; return the new count."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (now := _drawn(page)) > than:
            return now
        page.wait_for_timeout(100)
    raise AssertionError(f"the live curves did not grow past step {than} in 60 s")


def test_live_training_in_chromium(app_url, page, scratch_name):
    page.goto(f"{app_url}/train")
    on_the_server(page)
    page.get_by_label("Epochs").fill("8")  # still training when the test comes back to it, on a fast machine too
    page.get_by_label("Epochs").press("Enter")
    page.get_by_role("button", name="Start").click()
    page.locator(LIVE_CURVES).wait_for(timeout=60000)
    counts = [_drawn(page)]
    for _ in range(3):  # three successive polls, each redrawing the curves with more steps
        counts.append(_grows(page, counts[-1]))
    page.screenshot(path=str(ARTIFACTS / "train_live.png"))
    assert page.get_by_role("button", name="Start").is_disabled()
    assert page.evaluate(FADED) == []  # its label greyed, not gone: the app's theme once painted it white on grey
    curves = page.locator(LIVE_CURVES)
    assert curves.get_attribute("data-stacked") == "false"  # side by side on a desktop
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the panels go one above the other
    for _ in range(10):  # a poll drawn while the sidebar still folds away can see the wider column
        counts.append(_grows(page, counts[-1]))
        if curves.get_attribute("data-stacked") == "true":
            break
    drawn, holder = curves.bounding_box(), page.locator(".st-key-train_live_curves").bounding_box()
    assert curves.get_attribute("data-stacked") == "true" and drawn["width"] <= 390
    assert drawn["height"] > 2 * 280 and holder["height"] >= drawn["height"]  # both panels, nothing cut off
    page.screenshot(path=str(ARTIFACTS / "train_live_phone.png"))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.get_by_role("link", name="Latent map").click()
    page.wait_for_selector(".js-plotly-plot .legend", timeout=60000)
    page.get_by_role("link", name="Train").click()
    page.locator(LIVE_CURVES).wait_for(timeout=60000)
    _grows(page, counts[-1])  # the same run, still going: nothing restarted from zero
    assert page.get_by_role("button", name="Start").is_disabled()
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("text=Training stopped", timeout=30000)
    page.get_by_label("Name (letters, digits, - and _)").fill(scratch_name)
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(f"text=Saved as checkpoints/{scratch_name}.safetensors", timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "train_saved.png"))
    for link, heading in (("Latent map", "Latent map"), ("Latent explorer", "Latent explorer")):
        page.get_by_role("link", name=link).click()
        page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=60000)
        page.get_by_label("Checkpoint", exact=True).click()
        assert page.get_by_role("option", name=scratch_name).count() == 1
        page.keyboard.press("Escape")
    assert page.console_errors == []


def test_latent_map_shows_the_session_model_while_it_trains():
    root = Path(PAGE).parents[2]
    at = AppTest.from_file(str(root / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/train/page.py").run()
    at.segmented_control(key="train_where").set_value("server").run()
    at.number_input(key="train_epochs").set_value(30).run()
    at.button(key="train_start").click().run()
    worker = at.session_state["train_runs"][-1]
    while len(worker.snapshot()["frames"]) < 2:
        time.sleep(0.1)
    at.switch_page("app_pages/latent_map/page.py").run()
    assert at.selectbox(key="latent_map_checkpoint").options[0] == "my training run (live)"
    at.selectbox(key="latent_map_checkpoint").select("my training run (live)").run()
    assert not at.exception and any("This session's model after step" in c.value for c in at.caption)
    worker.stop()
    worker.join(10)
    # The explorer offers the same run, and the browser gets its weights as they are now, not a shipped model's.
    at.switch_page("app_pages/explorer/page.py").run()
    assert at.selectbox(key="explorer_checkpoint").options[0] == "my training run (live)"
    at.selectbox(key="explorer_checkpoint").select("my training run (live)").run()
    assert not at.exception
    data = next(c for c in at.get("bidi_component") if c.proto.id.endswith("-explorer_map")).proto.bytes
    head = int.from_bytes(data[:4], "little")
    assert json.loads(data[4:4 + head])["name"] == "my training run (live)"
    first = np.frombuffer(data[4 + head:4 + head + 4 * 32], dtype="<f4").reshape(16, 2)
    np.testing.assert_array_equal(first, worker.weights()["decoder.0.weight"].numpy())


def test_warm_start_copies_a_shipped_model_without_touching_it():
    from ui.training import initial_model
    from vae.config import TrainConfig, VAEConfig
    shipped = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").model
    model = initial_model(VAEConfig(likelihood="mse", sigma=0.2), TrainConfig(), "bce")
    assert model.config.likelihood == "mse" and model.config.sigma == 0.2
    for (k, a), b in zip(model.state_dict().items(), shipped.state_dict().values()):
        assert torch.equal(a, b) and a.data_ptr() != b.data_ptr(), k


def test_smoothing_is_the_exponential_moving_average():
    from app_pages.train.figures import ema
    values = [4.0, 1.0, 3.0, 8.0]
    expected, acc = [], values[0]
    for v in values:
        acc = 0.05 * v + 0.95 * acc
        expected.append(acc)
    assert ema(values) == pytest.approx(expected)
