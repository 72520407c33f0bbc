"""Entry point: `streamlit run app.py`. It only builds the navigation; each page lives in pages/."""
import streamlit as st

st.set_page_config(page_title="VAE dashboard", page_icon="🔢", layout="wide")
st.navigation([
    st.Page("pages/latent_map.py", title="Latent map", icon="🗺️", default=True),
]).run()
