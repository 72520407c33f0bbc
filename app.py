"""The app's script (server.py serves it): it builds the navigation and the sidebar's checkpoint upload, the relay
that brings a browser-trained model's weights back from any page, and the notice of a replica that stopped (and its
watch for a reconnection), nothing else."""
import streamlit as st

from ui.navigation import HOME, PAGES, script
from ui.browser_training import training_relay
from ui.replica import moved_notice, reconnect_watch
from ui.theme import theme_css
from ui.upload import upload_sidebar

st.set_page_config(page_title="VAE dashboard", page_icon="🔢", layout="wide")
pages = st.navigation([
    st.Page(script(key), title=title, icon=icon, default=True) if key == HOME else
    st.Page(script(key), title=title, icon=icon, url_path=key)
    for key, (title, icon) in PAGES.items()])
theme_css()  # what the theme in .streamlit/config.toml cannot say, on every page
upload_sidebar()  # in the sidebar of every page, under the navigation
training_relay()  # ... and the weights of a model training in this browser, from whatever page is open
moved_notice()  # behind deploy/'s nginx, after a replica stopped
reconnect_watch()  # ... and without waiting for the student's next click
pages.run()
