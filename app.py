"""Entry point: `streamlit run app.py`. It builds the navigation and the sidebar's checkpoint upload, nothing else."""
import streamlit as st

from ui.upload import upload_sidebar

st.set_page_config(page_title="VAE dashboard", page_icon="🔢", layout="wide")
pages = st.navigation([
    st.Page("pages/start_here.py", title="Start here", icon=":material/school:", default=True),
    st.Page("pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:", url_path="latent_map"),
    st.Page("pages/explorer.py", title="Latent explorer", icon=":material/touch_app:", url_path="explorer"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    st.Page("pages/elbo_lab.py", title="ELBO lab", icon=":material/functions:", url_path="elbo_lab"),
    st.Page("pages/mse_vs_bce.py", title="MSE vs BCE", icon=":material/blur_on:", url_path="mse_vs_bce"),
])
upload_sidebar()  # in the sidebar of every page, under the navigation
pages.run()
