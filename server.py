"""The app's web server: `streamlit run server.py` serves app.py as `streamlit run app.py` would (its pages, websocket
and Streamlit's own files) and one route more, /files/..., for files named by their content: TensorFlow.js, the
browser's training code and the training images a student's browser fetches once and keeps
(vae/serve/published.py). It also makes the teacher key of the Class board, unless one is set (vae/serve/teacher.py),
and fills the pages' caches before it answers anyone (ui/warm_start.py)."""
import os

# Before any page runs: plotly imports pandas lazily, the first time a figure meets an array, and looks it up in
# sys.modules without waiting for the import lock, so two first runs at once (a room opening links together) could
# get a half-imported pandas ("partially initialized module 'pandas' has no attribute 'Series"). Imported here, whole.
import pandas  # noqa: F401
import streamlit as st

from app_pages import warm_ups
from ui.navigation import PAGES
from ui.warm_start import WAIT_S, warm_start
from vae.serve.published import routes
from vae.serve.teacher import teacher_key_at_start

teacher_key_at_start()
# before it answers (VAE_WARM_WAIT_S seconds at most): its first visitor finds the caches full
took, done = warm_start(warm_ups(PAGES), float(os.environ.get("VAE_WARM_WAIT_S", WAIT_S)))
print(f"  Warmed up {'before the first visitor' if done else 'in part (the rest goes on)'}: "
      + ", ".join(f"{what} {s:.1f} s" for what, s in took.items()), flush=True)
app = st.App("app.py", routes=routes())
