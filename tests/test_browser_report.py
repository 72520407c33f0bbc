"""The reader of what a browser reports of the run it trains: a report is taken whole or refused whole, with words a
student can act on, and nothing else escapes (the readers' one contract)."""
import base64
import copy

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from vae.config import TrainConfig, VAEConfig, to_dict
from vae.serve.browser_report import MAX_WEIGHT, ReportError, Spec, read_report, read_spec
from vae.serve.browser_run import BrowserRun
from vae.trainer import build_model

SPEC = Spec(VAEConfig(), TrainConfig(epochs=3))
RUN = "0123456789abcdef0123456789abcdef"


def weights_text(model) -> str:
    flat = np.concatenate([v.numpy().ravel() for v in model.state_dict().values()]).astype("<f4")
    return base64.b64encode(flat.tobytes()).decode()


def good(**changes) -> dict:
    report = {"run": RUN, "seq": 3, "kind": "update", "status": "running", "total_steps": 1407, "step": 469,
              "epoch": 1.0, "epochs": [{"epoch": 1, "step": 469, "elapsed": 8.1, "test_loss": 191.9,
                                        "test_recon": 188.9, "test_kl": 2.93}],
              "weights": weights_text(build_model(VAEConfig(), 5)),
              "spec": {"config": to_dict(SPEC.config), "train_config": to_dict(SPEC.train_config)}, "label": "mine"}
    report.update(changes)
    return report


KNOWN = {"run_id": RUN, "spec": SPEC}


def test_a_good_report_is_taken_and_its_weights_are_the_models():
    model = build_model(VAEConfig(), 5)
    report = read_report(good(), KNOWN)
    assert report.status == "running" and report.step == 469 and report.history[0]["test_loss"] == 191.9
    for name, tensor in model.state_dict().items():
        assert (report.weights[name] == tensor).all()
    run = BrowserRun(SPEC, build_model(VAEConfig(), 0), RUN)
    assert run.apply(report) and run.reported and run.step == 469
    assert not run.apply(report)  # the same report again: older than what the run has
    assert all((run.weights()[k] == v).all() for k, v in model.state_dict().items())


def _flat(text) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").copy()


def _text(flat) -> str:
    return base64.b64encode(flat.astype("<f4").tobytes()).decode()


def hostile():
    flat = _flat(good()["weights"])
    nan, huge = flat.copy(), flat.copy()
    nan[1000] = np.nan
    huge[5] = 10 * MAX_WEIGHT
    inf = flat.copy()
    inf[-1] = np.inf
    return {
        "not an object": ([1, 2], "not a JSON object"),
        "no run": (good(run=None), "names no run"),
        "another run": (good(run="f" * 32), "did not start here"),
        "markup in the run": (good(run="<b>x</b>"), "names no run"),
        "wrong kind": (good(kind="delete"), "neither an update"),
        "wrong status": (good(status="hacked"), "status is not one of"),
        "weights a float short": (good(weights=_text(flat[:-1])), "float32 numbers this model has"),
        "weights a float long": (good(weights=_text(np.append(flat, 0))), "float32 numbers this model has"),
        "weights not base64": (good(weights="!" * len(good()["weights"])), "not valid base64"),
        "weights a number": (good(weights=12), "float32 numbers this model has"),
        "NaN weight": (good(weights=_text(nan)), "NaN or infinite"),
        "infinite weight": (good(weights=_text(inf)), "NaN or infinite"),
        "huge weight": (good(weights=_text(huge)), "far below"),
        "step past the end": (good(step=10**9), "step is not a whole number"),
        "a bool step": (good(step=True), "step is not a whole number"),
        "NaN epoch": (good(epoch=float("nan")), "epoch is not a finite number"),
        "more history than epochs": (good(epochs=good()["epochs"] * 4), "at most 3 epochs"),
        "history with a string": (good(epochs=[{**good()["epochs"][0], "test_loss": "low"}]), "history's test_loss"),
        "history missing a value": (good(epochs=[{"epoch": 1}]), "test values an epoch has"),
        "sequence negative": (good(seq=-1), "sequence number"),
        "register with a bad config": (good(kind="register", spec={"config": {"latent_dim": 1e9}, "train_config": {}}),
                                       "settings are invalid"),
        "register on an unknown dataset": (
            good(kind="register", spec={"config": {}, "train_config": {"dataset": "kmnist"}}), "Kuzushiji-MNIST"),
        "register a giant model": (
            good(kind="register", spec={"config": {"encoder_hidden": [8192] * 3}, "train_config": {}}),
            "a browser trains models of at most"),
        "register without weights": (good(kind="register", weights=None), "must bring its weights"),
        "register without settings": (good(kind="register", spec=None), "not the two configs"),
    }


@pytest.mark.parametrize("case", list(hostile()))
def test_hostile_reports_are_refused_with_a_reason(case):
    value, words = hostile()[case]
    with pytest.raises(ReportError, match=words) as refused:
        read_report(value, KNOWN)
    assert not refused.value.unexpected  # each was foreseen by the reader's own checks


def test_a_refused_report_changes_nothing():
    run = BrowserRun(SPEC, build_model(VAEConfig(), 0), RUN)
    before = {k: v.clone() for k, v in run.weights().items()}
    for value, _ in hostile().values():
        with pytest.raises(ReportError):
            run.apply(read_report(value, run.known()))
    assert run.seq == -1 and not run.reported and run.status == "running"
    assert all((run.weights()[k] == v).all() for k, v in before.items())


def test_a_register_brings_its_own_settings():
    spec = {"config": to_dict(VAEConfig(beta=4.0, latent_dim=2)), "train_config": to_dict(TrainConfig(epochs=3))}
    report = read_report(good(kind="register", spec=spec), None)
    assert report.spec.config.beta == 4.0 and report.weights is not None
    assert read_spec(copy.deepcopy(spec)) == report.spec


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children,
                                                                                       max_size=6), max_leaves=20))
def test_anything_else_is_refused_not_crashed(value):
    """Whatever JSON a client sends, the reader returns a report or raises its own error, foreseen."""
    for candidate in (value, {**good(), "epochs": value}, {**good(), "spec": value, "kind": "register"}):
        try:
            read_report(candidate, KNOWN)
        except ReportError as exc:
            assert not exc.unexpected, exc
