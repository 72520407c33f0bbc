"""The Train page's latent size, free bits and KL warm-up, under AppTest: they reach the server's run and the browser's
alike, a checkpoint brings its own latent size, and a server run of a 4-D model yields and draws the KL of each
dimension; the trainer's KL per dimension is vae.collapse's, step by step and on the test set."""
import time
from dataclasses import replace

import numpy as np
import pytest
import torch
from links import page

from vae.collapse import kl_per_dimension
from vae.config import TrainConfig, VAEConfig
from vae.trainer import build_model, evaluate, train


def settings(at, latent=4, free_bits=0.0, warmup=1.5, where="server"):
    at.segmented_control(key="train_where").set_value(where).run()
    at.number_input(key="train_latent_dim").set_value(latent).run()
    at.number_input(key="train_free_bits").set_value(free_bits).run()
    at.number_input(key="train_kl_warmup").set_value(warmup).run()
    at.number_input(key="train_epochs").set_value(2).run()
    return at


def test_the_settings_reach_a_server_run_which_draws_the_kl_of_each_dimension():
    at = settings(page("train"))
    at.button(key="train_start").click().run()
    worker = at.session_state["train_runs"][-1]
    assert worker.model.config.latent_dim == 4
    assert worker.cfg.free_bits == 0.0 and worker.cfg.kl_warmup_epochs == 1.5
    deadline = time.monotonic() + 300
    while len(worker.snapshot()["steps"]) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    worker.stop()
    worker.join(30)
    steps = worker.snapshot()["steps"]
    kl_dims = steps.column("kl_dims")
    assert kl_dims.shape == (len(steps), 4) and np.allclose(kl_dims.sum(1), steps.column("kl"), rtol=1e-5)
    assert not at.exception
    assert any(c.proto.id.endswith("-train_live_dims") or c.proto.id.endswith("-train_dims")
               for c in at.get("bidi_component"))


def test_the_settings_reach_a_browser_run():
    at = settings(page("train"), latent=16, free_bits=0.5, warmup=3.0, where="browser")
    at.button(key="train_start").click().run()
    assert not at.exception
    spec = at.session_state["train_runs"][-1].spec
    assert spec.config.latent_dim == 16 and spec.train_config.free_bits == 0.5
    assert spec.train_config.kl_warmup_epochs == 3.0


def test_a_checkpoint_brings_its_latent_size():
    at = page("train", checkpoint="bce-z8")
    assert not at.exception and "train_latent_dim" not in [n.key for n in at.number_input]
    assert any(c.value == "Latent size 8, as the checkpoint's" for c in at.caption)
    at.button(key="train_start").click().run()
    assert at.session_state["train_runs"][-1].spec.config.latent_dim == 8


def test_the_defaults_are_the_model_of_records():
    at = page("train")
    assert at.number_input(key="train_latent_dim").value == VAEConfig().latent_dim
    assert at.number_input(key="train_free_bits").value == TrainConfig().free_bits
    assert at.number_input(key="train_kl_warmup").value == TrainConfig().kl_warmup_epochs


def test_the_trainers_kl_per_dimension_is_vae_collapses(small_mnist):
    data = replace(small_mnist, x_test=small_mnist.x_test[:300], y_test=small_mnist.y_test[:300])
    model = build_model(VAEConfig(latent_dim=5), 1)
    rows = list(train(model, data, TrainConfig(epochs=1, batch_size=200, free_bits=0.0)))
    steps = [r for r in rows if r["kind"] == "step"]
    [epoch] = [r for r in rows if r["kind"] == "epoch"]
    assert all(len(r["kl_dims"]) == 5 and sum(r["kl_dims"]) == pytest.approx(r["kl"], rel=1e-5) for r in steps)
    with torch.no_grad():
        mu, logvar = model.eval().encode(data.x_test)
    assert epoch["test_kl_dims"] == pytest.approx(kl_per_dimension(mu.double(), logvar.double()).tolist(), rel=1e-5)
    assert evaluate(model, data.x_test)["kl_dims"] == pytest.approx(epoch["test_kl_dims"], rel=1e-9)


def test_an_autoencoders_steps_carry_zero_kl_per_dimension(small_mnist):
    data = replace(small_mnist, x_train=small_mnist.x_train[:400], x_test=small_mnist.x_test[:100])
    rows = list(train(build_model(VAEConfig(variational=False), 0), data, TrainConfig(epochs=1, batch_size=200)))
    assert all(r["kl_dims"] == [0.0, 0.0] for r in rows if r["kind"] == "step")


def test_a_frame_of_a_larger_model_maps_its_two_dimensions_with_most_kl(small_mnist):
    from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
    from vae.serve.worker import FRAME_DIGITS, _frame
    model = load_checkpoint(CHECKPOINT_DIR / "bce-z8-nofb.safetensors").model
    frame = _frame(model, small_mnist, 7, 0.5)
    with torch.no_grad():
        mu, logvar = model.encode(small_mnist.x_test[:FRAME_DIGITS])
    kl = kl_per_dimension(mu, logvar).numpy()
    assert frame["dims"] == sorted(np.argsort(-kl)[:2].tolist()) and frame["latent_dim"] == 8
    assert kl[frame["dims"]].min() > 1 > kl[[u for u in range(8) if u not in frame["dims"]]].max()
    assert np.array_equal(frame["mu"], mu[:, frame["dims"]].numpy())
    two = _frame(build_model(VAEConfig(), 0), small_mnist, 0, 0.0)
    assert two["dims"] == [0, 1] and two["mu"].shape == (min(FRAME_DIGITS, len(small_mnist.x_test)), 2)
