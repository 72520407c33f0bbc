"""The app's web server: `streamlit run server.py` serves app.py as `streamlit run app.py` would (its pages, websocket
and Streamlit's own files) and one route more, /files/..., for files named by their content: TensorFlow.js, the
browser's training code and the training images a student's browser fetches once and keeps
(vae/serve/published.py). It also makes the teacher key of the Class board, unless one is set (vae/serve/teacher.py)."""
import streamlit as st

from vae.serve.published import routes
from vae.serve.teacher import teacher_key_at_start

teacher_key_at_start()
app = st.App("app.py", routes=routes())
