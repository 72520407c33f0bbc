"""Behind deploy/'s nginx, several replicas serve the app and each session lives in one of them. When a replica
stops, its students' browsers reconnect through nginx to another replica, which does not have their sessions:
they start afresh. This tells them why their drawing, upload or training is gone."""
import os
from pathlib import Path

import streamlit as st

SEEN = "replica_checked"  # session_state: this session has been checked once
WATCH = st.components.v2.component(
    "vae_reconnect_watch", js=(Path(__file__).resolve().parent / "assets" / "reconnect_watch.js").read_text())


def moved_notice() -> None:
    """On a session's first run: a notice if the browser's last answer came from another replica (the cookie
    nginx sets) than this one (VAE_REPLICA, set by deploy/serve.py). Without nginx neither is set."""
    if SEEN in st.session_state:
        return
    st.session_state[SEEN] = True
    here, before = os.environ.get("VAE_REPLICA"), st.context.cookies.get("vae_replica")
    if here and before and before != here:
        # short: a toast shows about three lines before it folds the rest away
        st.toast("Your server stopped, so this page moved to another server: a fresh session.",
                 icon=":material/sync_problem:", duration="infinite")


def reconnect_watch() -> None:
    """Behind deploy/'s nginx only (VAE_REPLICA set): a page that reconnects asks for a run at once, so a student
    whose replica stopped sees the notice and a working page on the live one before their next click
    (assets/reconnect_watch.js says why Streamlit alone waits for it)."""
    if os.environ.get("VAE_REPLICA"):
        with st.sidebar:
            WATCH(key="replica_reconnect_watch", on_reconnected_change=lambda: None, height=0)
