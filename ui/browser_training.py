"""A session's training in its own browser: the run as the server knows it (vae/serve/browser_run.py), the files the
browser fetches to train it, and the relay that brings its weights back from whatever page of the app is open.

The relay is a component of no height in the sidebar of every page (app.py), inside a fragment: a report reruns that
fragment alone, so a class whose browsers report every few seconds costs the server a small script run each, not a
page. The browser's reports are untrusted (vae/serve/browser_report.py); each session takes at most BURST of them at
once and one every REFILL_S seconds after that, whatever arrives."""
import logging
import time
from pathlib import Path

import streamlit as st

from ui.training import current, runs
from vae.data import EXPECTED
from vae.model import VAE
from vae.serve.browser_files import publish_binarized, publish_code, publish_dataset, publish_eval_noise
from vae.serve.browser_report import MAX_PARAMETERS, RUN_ID, ReportError, Spec, read_report, read_spec
from vae.serve.browser_run import BrowserRun

LOG = logging.getLogger(__name__)
RELAY = st.components.v2.component(
    "vae_training_relay", js=(Path(__file__).resolve().parent / "assets" / "training_relay.js").read_text())
CONTROLLER = "ui/assets/train_controller.js"  # in the published code's folder (vae/serve/browser_files.CODE)
KEY = "train_relay"
REFUSED = "train_relay_refused"  # session_state: why the last report was refused
BUDGET = "train_relay_budget"  # session_state: (reports it may still take, when that was counted)
PAGE_RERUN = "train_relay_rerun"  # session_state: the run's status changed, so the page should be drawn again
BURST, REFILL_S = 8, 2.0


@st.cache_resource(show_spinner=False)
def code_urls() -> dict:
    """Where the browser finds TensorFlow.js and the training code (published once per server), and the module the
    app's components share the tab's training through."""
    urls = publish_code()
    return {**urls, "controller": urls["code"] + CONTROLLER}


@st.cache_resource(show_spinner="Preparing the training images for browsers (once per server)...", max_entries=4)
def _dataset(name: str) -> dict:
    return publish_dataset(name)


@st.cache_resource(show_spinner=False, max_entries=4)
def _binarized(name: str) -> dict:
    return publish_binarized(name)


@st.cache_resource(show_spinner=False, max_entries=64)
def _eval_noise(latent_dim: int, batch_size: int) -> dict:
    return publish_eval_noise(EXPECTED["x_test"][0], latent_dim, batch_size)


def files_for(spec: Spec) -> dict:
    """vae/data.js's `files` for a run: its dataset, the noise its test set is scored on, and the binarized test
    set if it trains on binarized images."""
    cfg = spec.train_config
    files = {**_dataset(cfg.dataset), "eval_noise": _eval_noise(spec.config.latent_dim, cfg.eval_batch_size)}
    if cfg.binarize:
        files["binarized"] = _binarized(cfg.dataset)
    return files


def browser_run() -> BrowserRun | None:
    run = current()
    return run if isinstance(run, BrowserRun) else None


def start_in_browser(model: VAE, cfg) -> BrowserRun:
    """A new run for this session, to train in its browser from `model`'s weights; it replaces the session's runs."""
    spec = Spec(model.config, cfg)
    if spec.n_parameters > MAX_PARAMETERS:
        raise ReportError(f"this model has {spec.n_parameters:,} weights, more than a browser trains here "
                          f"({MAX_PARAMETERS:,}); train it on the server.")
    run = BrowserRun(spec, model)
    runs().clear()
    runs().append(run)
    return run


def reopen(value) -> BrowserRun:
    """A run this browser kept (after a reload or a crash) that the student goes on with: its id and settings, read
    as untrusted; its weights come with the browser's next report."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not RUN_ID.fullmatch(value["id"]):
        raise ReportError("the run to reopen has no proper id.")
    label = value.get("label") if isinstance(value.get("label"), str) else ""
    run = BrowserRun(read_spec(value.get("spec")), None, value["id"], label[:80])
    runs().clear()
    runs().append(run)
    return run


def _take_one() -> bool:
    """One report from this session's budget, or False if it is spent."""
    tokens, then = st.session_state.get(BUDGET, (BURST, time.monotonic()))
    now = time.monotonic()
    tokens = min(BURST, tokens + (now - then) / REFILL_S)
    if tokens < 1:
        st.session_state[BUDGET] = (tokens, now)
        return False
    st.session_state[BUDGET] = (tokens - 1, now)
    return True


def _received():
    value = st.session_state[KEY]["report"]
    if value is None:
        return
    if not _take_one():
        st.session_state[REFUSED] = "Too many training reports at once; the extra ones were ignored."
        return
    run = browser_run()
    try:
        report = read_report(value, run.known() if run else None)
    except ReportError as exc:
        LOG.info("a training report was refused: %s", exc)
        st.session_state[REFUSED] = f"A training report was refused: {exc}"
        return
    before = run.status if run else None
    if report.kind == "register":  # the server lost this tab's run (it restarted, or the tab moved to another)
        run = BrowserRun(report.spec, None, report.run_id, report.label)
        runs().clear()
        runs().append(run)
    run.apply(report)
    st.session_state.pop(REFUSED, None)
    if run.status != before:
        st.session_state[PAGE_RERUN] = True


@st.fragment
def _relay():
    run = browser_run()
    data = {"controller": code_urls()["controller"], "run": run.run_id if run else None,
            "acked": run.seq if run else -1}
    RELAY(key=KEY, data=data, on_report_change=_received, height=0)
    if st.session_state.get(REFUSED):
        st.caption(f"⚠️ {st.session_state[REFUSED]}")
    if st.session_state.pop(PAGE_RERUN, False):
        st.rerun(scope="app")  # the page shows what changed: Start, Save, the status


def training_relay():
    """The relay, in the sidebar of every page (app.py calls this before the page runs)."""
    with st.sidebar:
        _relay()
