"""The Train page trains a conditional VAE on the server: the checkbox reaches the model's config, the run's latent
map frames are the test images encoded with their own class, and the page draws the run without an exception."""
import time

import numpy as np
import pytest
import torch

from links import page
from vae.data import load_dataset
from vae.model import one_hot
from vae.trainer import build_model


def test_the_train_page_trains_a_conditional_model_on_the_server():
    at = page("train")
    at.segmented_control(key="train_where").set_value("server").run()
    at.checkbox(key="train_conditional").check().run()
    at.number_input(key="train_epochs").set_value(1).run()
    at.button(key="train_start").click().run()
    worker = at.session_state["train_runs"][-1]
    try:
        assert worker.model.config.conditional and worker.model.encoder[0].in_features == 794
        deadline = time.monotonic() + 600
        while not worker.snapshot()["frames"] and time.monotonic() < deadline:
            time.sleep(0.1)
        at.run()
        assert not at.exception
        first = worker.snapshot()["frames"][0]  # step 0: the weights the run started from
        data = load_dataset()
        start = build_model(worker.model.config, worker.cfg.seed)  # the run's first weights, as the page made them
        with torch.no_grad():
            mu = start.encode(data.x_test[:len(first["mu"])], one_hot(data.y_test[:len(first["mu"])]))[0]
        assert first["step"] == 0 and np.allclose(first["mu"], mu.numpy(), atol=1e-5)
    finally:
        worker.stop()
        worker.join(10)


def test_the_class_board_refuses_a_conditional_model_in_one_line(small_mnist):
    """A conditional model's losses are of p(x|y): the board, whose models are of p(x), says so instead of scoring it
    (a student may train one on the Train page and press Send)."""
    from vae.config import TrainConfig, VAEConfig
    from vae.serve.board import BoardInputError, submission
    from vae.serve.checkpoint import Checkpoint
    ckpt = Checkpoint(build_model(VAEConfig(conditional=True), 0).eval(), TrainConfig(epochs=1))
    with pytest.raises(BoardInputError, match="conditional model") as refused:
        submission(ckpt, small_mnist, "Ada's CVAE", "owner", "browser")
    assert not refused.value.unexpected
