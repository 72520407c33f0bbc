import streamlit as st

from app_pages.start_here.nav import current_step, navigation, presenter_mode
from app_pages.start_here.sections_ae import autoencoder_step, distribution_step, weaknesses_step
from app_pages.start_here.sections_elbo import blur_step, elbo_step, reparameterization_step
from ui.models import checkpoint_names

STEP_PAGES = (autoencoder_step, weaknesses_step, distribution_step, elbo_step, reparameterization_step, blur_step)
NEEDED = ("ae", "bce", "bce-b2", "bce-b4")

st.title("Start here: from autoencoder to VAE")
st.write(
    "Six short steps, each live on the shipped models: why a plain autoencoder cannot generate, what a VAE "
    "changes, the loss that trains it, the trick that makes it trainable, and why its samples come out "
    "blurry. Use Previous and Next (or PageUp and PageDown, as a presentation clicker sends) to move through "
    "the steps; each ends with a link to the page that explores it further.")

missing = [n for n in NEEDED if n not in checkpoint_names()]
if missing:
    st.error(f"This lesson needs the shipped checkpoints {', '.join(missing)} in checkpoints/ (see the README).")
    st.stop()

size = presenter_mode()
navigation()
st.divider()
STEP_PAGES[current_step()](size)
