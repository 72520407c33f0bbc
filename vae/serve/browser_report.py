"""What a student's browser reports of the run it trains (ui/assets/train_controller.js `report`), read as untrusted
input under the readers' one contract (vae/serve/untrusted.py): our JavaScript sends well-formed reports, but anyone
can send anything over the websocket. A report is refused whole, with a reason a student can act on, unless every
part of it is what the run can be: its settings valid configs (the same checks as a checkpoint's), its weights
exactly the float32 tensors those settings describe, finite and bounded, its numbers finite and in range.
"""
import base64
import binascii
import math
import re
from dataclasses import dataclass

import numpy as np
import torch

from vae.config import TrainConfig, VAEConfig, from_dict
from vae.data import EXPECTED
from vae.datasets import SHIPPED, DATASETS
from vae.serve.checkpoint_checks import shapes
from vae.serve.untrusted import UntrustedInputError, finite_number, reader

STATUSES = ("running", "stopped", "done", "diverged", "failed")
RUN_ID = re.compile(r"[0-9a-f]{32}")
# A browser trains models whose weights travel back in one websocket message: Streamlit accepts 25 MB from a browser
# (server.maxWidgetStateSize), and 4 million float32 weights are 21.3 MB as base64. The model of record has 330,000.
MAX_PARAMETERS = 4_000_000
MAX_WEIGHT = 1000.0  # the largest weight of any shipped model is 3.5; far beyond it, a run is broken, not trained
HISTORY_KEYS = ("epoch", "step", "elapsed", "test_loss", "test_recon", "test_kl")
MAX_NUMBER = 1e12


class ReportError(UntrustedInputError):
    """A training report from the browser that cannot be taken; the page ignores it and says why."""


@dataclass(frozen=True)
class Spec:
    """A browser run's settings: the model and how it is trained, as checked configs."""
    config: VAEConfig
    train_config: TrainConfig

    @property
    def n_parameters(self) -> int:
        return sum(t.numel() for t in shapes(self.config).values())


@dataclass(frozen=True)
class Report:
    run_id: str
    seq: int
    kind: str  # "update": news of a run the server knows; "register": a run it does not know, sent whole
    status: str
    total_steps: int
    step: int
    epoch: float
    history: tuple  # a dict per finished epoch, HISTORY_KEYS
    weights: dict | None  # name -> float32 tensor, as the state_dict of spec's model
    spec: Spec | None  # read only for "register"
    label: str


def _whole(value, lo, hi, what):
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ReportError(f"the report's {what} is not a whole number from {lo:g} to {hi:g}.")
    return value


def _number(value, lo, hi, what):
    if not finite_number(value) or not lo <= value <= hi:
        raise ReportError(f"the report's {what} is not a finite number from {lo:g} to {hi:g}.")
    return float(value)


@reader(ReportError, "the run's settings")
def read_spec(value) -> Spec:
    """{"config": {...}, "train_config": {...}} -> a Spec whose configs pass every check, on a shipped dataset, small
    enough to train in a browser."""
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict) \
            or not isinstance(value.get("train_config"), dict):
        raise ReportError("the run's settings are not the two configs a run has.")
    try:
        spec = Spec(from_dict(VAEConfig, value["config"]), from_dict(TrainConfig, value["train_config"]))
    except (TypeError, ValueError) as exc:
        raise ReportError(f"the run's settings are invalid: {str(exc)[:200]}") from exc
    if spec.train_config.dataset not in SHIPPED:
        raise ReportError(f"the run learns {DATASETS[spec.train_config.dataset].title}, whose images this app does "
                          "not hold.")
    if spec.n_parameters > MAX_PARAMETERS:
        raise ReportError(f"the model has {spec.n_parameters:,} weights; a browser trains models of at most "
                          f"{MAX_PARAMETERS:,}.")
    return spec


def read_weights(text, spec: Spec) -> dict:
    """Base64 of float32 little-endian weights, the state_dict's tensors back to back -> name -> tensor."""
    expected = shapes(spec.config)
    count = sum(t.numel() for t in expected.values())
    if not isinstance(text, str) or len(text) != 4 * math.ceil(4 * count / 3):
        raise ReportError(f"the weights are not the {count:,} float32 numbers this model has.")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ReportError("the weights are not valid base64.") from exc
    flat = np.frombuffer(raw, dtype="<f4")
    if len(flat) != count:
        raise ReportError(f"the weights are not the {count:,} float32 numbers this model has.")
    if not np.isfinite(flat).all():
        raise ReportError("the weights contain NaN or infinite values.")
    if np.abs(flat).max(initial=0.0) > MAX_WEIGHT:
        raise ReportError(f"the weights reach {np.abs(flat).max():.3g}; a trained model's stay far below "
                          f"{MAX_WEIGHT:g}.")
    out, at = {}, 0
    for name, meta in expected.items():
        n = meta.numel()
        out[name] = torch.from_numpy(flat[at:at + n].copy()).reshape(meta.shape)
        at += n
    return out


def _history(rows, epochs: int) -> tuple:
    if not isinstance(rows, list) or len(rows) > epochs:
        raise ReportError(f"the report's history is not a list of at most {epochs} epochs.")
    out = []
    for row in rows:
        if not isinstance(row, dict) or set(row) != set(HISTORY_KEYS):
            raise ReportError("an epoch in the report's history does not have the test values an epoch has.")
        out.append({k: _number(row[k], -MAX_NUMBER, MAX_NUMBER, f"history's {k}") for k in HISTORY_KEYS})
    return tuple(out)


@reader(ReportError, "the training report")
def read_report(value, known: dict | None) -> Report:
    """The browser's report -> a Report, or ReportError. `known` is the run this session has, as {"run_id", "spec"}
    (None if none): an "update" must be about it; a "register" brings its own settings, read by read_spec."""
    if not isinstance(value, dict):
        raise ReportError("the report is not a JSON object.")
    run_id, kind = value.get("run"), value.get("kind")
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        raise ReportError("the report names no run.")
    if kind == "update":
        if known is None or known["run_id"] != run_id:
            raise ReportError("the report is about a run this browser tab did not start here; it was ignored.")
        spec = known["spec"]
    elif kind == "register":
        spec = read_spec(value.get("spec"))
    else:
        raise ReportError("the report is neither an update nor a run to take up.")
    status = value.get("status")
    if status not in STATUSES:
        raise ReportError(f"the report's status is not one of {', '.join(STATUSES)}.")
    cfg = spec.train_config
    steps_per_epoch = math.ceil(EXPECTED["x_train"][0] / cfg.batch_size)
    total = _whole(value.get("total_steps"), 0, cfg.epochs * steps_per_epoch, "number of steps")
    weights = value.get("weights")
    if weights is None and kind == "register":
        raise ReportError("a run to take up must bring its weights.")
    label = value.get("label", "")
    return Report(run_id=run_id, seq=_whole(value.get("seq"), 0, 2**53, "sequence number"), kind=kind, status=status,
                  total_steps=total, step=_whole(value.get("step"), 0, max(total, 0), "step"),
                  epoch=_number(value.get("epoch"), 0, cfg.epochs, "epoch"),
                  history=_history(value.get("epochs"), cfg.epochs),
                  weights=None if weights is None else read_weights(weights, spec),
                  spec=spec if kind == "register" else None,
                  label=label[:80] if isinstance(label, str) else "")
