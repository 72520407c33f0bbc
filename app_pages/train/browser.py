"""The Train page's run in the student's browser: Start, the view the browser draws by itself (assets/browser_view.js:
progress, live curves, latent maps, Stop and Resume, a run kept from before a reload), and saving what came back."""
import logging
from pathlib import Path

import numpy as np
import streamlit as st

from app_pages.train.sections import save_section
from ui.browser_training import browser_run, code_urls, files_for, reopen, start_in_browser
from ui.chart import ASSETS as CHART_ASSETS
from ui.figures import DIGIT_COLOURS
from ui.models import info
from vae.config import to_dict
from vae.serve.browser_report import ReportError
from vae.serve.payload import pack

LOG = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent / "assets"
VIEW = st.components.v2.component(
    "vae_train_browser",
    js="\n".join([*((CHART_ASSETS / f).read_text() for f in ("chart_draw.js", "chart_frame.js")),
                  (ASSETS / "browser_view.js").read_text()]),
    css=(CHART_ASSETS / "chart.css").read_text() + (ASSETS / "browser_view.css").read_text())
KEY = "train_browser_view"
REFUSED = "train_browser_refused"  # session_state: why a run could not be reopened
LIKELIHOODS = {"bce": "Bernoulli", "mse": "Gaussian", "notes": "the notes' loss"}


def label(spec) -> str:
    """A run's settings in a few words, for the offer to reopen it."""
    config, cfg = spec.config, spec.train_config
    decoder = LIKELIHOODS[config.likelihood] + (f" σ = {config.sigma:g}" if config.likelihood == "mse" else "")
    return f"{info(cfg.dataset).title} · {decoder} · β = {config.beta:g} · {cfg.epochs} epochs · seed {cfg.seed}"


def start_in_browser_button(first_model, disabled: bool):
    if st.button("Start", type="primary", key="train_start", disabled=disabled):
        model, cfg = first_model()
        try:
            run = start_in_browser(model, cfg)
        except ReportError as exc:
            st.error(f"Not started: {exc}")
            return
        run.label = label(run.spec)
        st.rerun()


def payload(run) -> bytes:
    """What the view needs: where the training code and files are, and the session's run (its first weights until
    the browser has reported, so that a page drawn again before then can still start it)."""
    header = {"urls": code_urls(), "run": None, "colours": list(DIGIT_COLOURS)}
    arrays = []
    if run is not None:
        dataset = info(run.cfg.dataset)
        header.update(run={"id": run.run_id, "label": run.label,
                           "spec": {"config": to_dict(run.spec.config), "train_config": to_dict(run.cfg)}},
                      files=files_for(run.spec), classes=list(dataset.classes), item=dataset.item,
                      resume=not run.has_weights, status=run.status)
        if run.has_weights and not run.reported:
            arrays = [np.concatenate([w.numpy().ravel() for w in run.weights().values()])]
    return pack(header, arrays)


def _reopen():
    value = st.session_state[KEY]["reopen"]
    if value is None:
        return
    try:
        run = reopen(value)
    except ReportError as exc:
        LOG.info("a kept run was not reopened: %s", exc)
        st.session_state[REFUSED] = f"That run could not be reopened: {exc}"
        return
    run.label = label(run.spec)
    st.session_state.pop(REFUSED, None)


def browser_panel():
    run = browser_run()
    VIEW(key=KEY, data=payload(run), on_reopen_change=_reopen, height="content")
    if st.session_state.get(REFUSED):
        st.error(st.session_state[REFUSED])
    if run is None:
        st.caption("Choose settings and press Start: your browser downloads the training images once (MNIST 11 MB, "
                   "Fashion-MNIST 31 MB, then kept) and trains here, on this computer or phone.")
    elif run.reported:
        save_section()
