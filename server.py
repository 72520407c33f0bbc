"""The app's web server: `streamlit run server.py` serves app.py as `streamlit run app.py` would (its pages, websocket
and Streamlit's own files) and one route more, /files/..., for files named by their content: TensorFlow.js, the
browser's training code and the training images a student's browser fetches once and keeps
(vae/serve/published.py)."""
import streamlit as st

from vae.serve.published import routes

app = st.App("app.py", routes=routes())
