"""The trainer generator: it learns, it is deterministic, it stops when asked and when it diverges."""
import threading
from dataclasses import replace

import torch

from vae.config import TrainConfig, VAEConfig
from vae.trainer import build_model, evaluate, eval_targets, train

TINY = TrainConfig(epochs=3, batch_size=100, lr=3e-3, seed=0)


def run(data, cfg=TINY, config=VAEConfig(), stop=None):
    model = build_model(config, cfg.seed)
    return model, list(train(model, data, cfg, stop))


def test_training_lowers_the_test_loss(small_mnist):
    model = build_model(VAEConfig(), 0)
    before = evaluate(model, small_mnist.x_test)["loss"]
    metrics = list(train(model, small_mnist, TINY))
    epochs = [m for m in metrics if m["kind"] == "epoch"]
    assert [m["epoch"] for m in epochs] == [1, 2, 3]
    assert epochs[-1]["test_loss"] < before - 200  # an untrained model scores ~545 nats; 3 epochs reach ~250
    assert epochs[-1]["test_loss"] < epochs[0]["test_loss"]
    steps = [m for m in metrics if m["kind"] == "step"]
    assert len(steps) == 3 * 20 and steps[-1]["step"] == 60
    assert all(m["samples_per_s"] > 0 and m["loss"] > 0 and m["kl"] >= 0 for m in steps)
    assert metrics[-1]["kind"] == "done"


def test_same_seed_same_weights_and_numbers(small_mnist):
    cfg = replace(TINY, epochs=1, mc_samples=2, binarize=True)
    (m1, a), (m2, b) = run(small_mnist, cfg), run(small_mnist, cfg)
    strip = lambda ms: [{k: v for k, v in m.items() if k not in ("samples_per_s", "elapsed")} for m in ms]
    assert strip(a) == strip(b)
    assert all(torch.equal(p, q) for p, q in zip(m1.state_dict().values(), m2.state_dict().values()))
    (m3, c) = run(small_mnist, replace(cfg, seed=1))
    assert strip(c) != strip(a)


def test_training_leaves_the_global_rng_alone(small_mnist):
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    run(small_mnist, replace(TINY, epochs=1))
    assert torch.equal(torch.rand(3), expected)


def test_stop_event_stops_between_steps(small_mnist):
    stop = threading.Event()
    model = build_model(VAEConfig(), 0)
    seen = []
    for m in train(model, small_mnist, TINY, stop):
        seen.append(m)
        if m["kind"] == "step" and m["step"] == 5:
            stop.set()
    assert seen[-1]["kind"] == "stopped" and seen[-2]["step"] == 5


def _weights(model):
    return [p.detach().clone() for p in model.parameters()]


def test_nan_loss_stops_within_one_step_and_keeps_good_weights(small_mnist):
    order = torch.randperm(2000, generator=torch.Generator().manual_seed(TINY.seed))  # the trainer's first draw
    x = small_mnist.x_train.clone()
    x[order[1050]] = float("nan")  # one poisoned image, in the batch of step 10
    data = replace(small_mnist, x_train=x)
    model = build_model(VAEConfig(), 0)
    history = []
    for m in train(model, data, TINY):
        history.append((m, _weights(model)))
    last, weights = history[-1]
    assert last["kind"] == "diverged" and last["step"] == 10
    assert "loss became nan" in last["reason"] and "smaller learning rate" in last["reason"]
    # history[-3] holds the weights after step 8's update: the ones step 9's finite loss was computed on,
    # the last weights known to give a finite loss
    assert all(torch.equal(a, b) for a, b in zip(weights, history[-3][1]))
    assert all(torch.isfinite(w).all() for w in weights)


def test_infinite_gradient_is_caught(small_mnist):
    model = build_model(VAEConfig(), 0)
    before = _weights(model)
    model.decoder[0].weight.register_hook(lambda g: g * float("inf"))
    metrics = list(train(model, small_mnist, TINY))
    assert metrics[-1]["kind"] == "diverged" and metrics[-1]["step"] == 0
    assert "gradient became" in metrics[-1]["reason"]
    assert all(torch.equal(a, b) for a, b in zip(_weights(model), before))


def test_binarized_mode_scores_on_one_fixed_binarization(small_mnist):
    cfg = replace(TINY, binarize=True)
    a, b = eval_targets(small_mnist, cfg), eval_targets(small_mnist, cfg)
    assert torch.equal(a, b) and set(a.unique().tolist()) == {0.0, 1.0}
    assert abs(a.mean().item() - small_mnist.x_test.mean().item()) < 0.01
    assert eval_targets(small_mnist, TINY) is small_mnist.x_test


def test_learning_rate_ten_stops_within_one_step(small_mnist):
    """Adam with lr = 10 keeps the loss finite but throws it from ~545 to ~10^4 in one step."""
    model = build_model(VAEConfig(), 0)
    before = _weights(model)
    metrics = list(train(model, small_mnist, replace(TINY, lr=10.0, warmup_epochs=0.0)))
    last = metrics[-1]
    assert last["kind"] == "diverged" and last["step"] == 1
    assert "loss jumped" in last["reason"] and "smaller learning rate" in last["reason"]
    assert all(torch.equal(a, b) for a, b in zip(_weights(model), before))
