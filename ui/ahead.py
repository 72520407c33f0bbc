"""The server's one WorkAhead (vae.serve.ahead), shared by every session. It only fills the caches the pages read
anyway, as any session would, so it holds nothing of any one user's."""
import logging

import streamlit as st

from vae.serve.ahead import THREAD_NAME, WorkAhead


class _CallsOutsideARun(logging.Filter):
    """Streamlit warns of each cached call made outside a script run ("missing ScriptRunContext"). From the
    work-ahead thread that is the design, and a warning for each of its calls would bury the server's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


@st.cache_resource(show_spinner=False)
def work_ahead() -> WorkAhead:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_CallsOutsideARun())
    return WorkAhead(max_wishes=256)  # a class's next digits: the ELBO lab keeps 256 (app_pages/elbo_lab/data.py)
