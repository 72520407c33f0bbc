from functools import partial

import streamlit as st

from app_pages.start_here.data import PAIRS
from app_pages.start_here.nav import (DATASET_KEY, STEP_KEY, current_step, dataset_choice, lesson_dataset, navigation,
                                      presenter_mode, read_step)
from app_pages.start_here.sections_ae import autoencoder_step, distribution_step, weaknesses_step
from app_pages.start_here.sections_elbo import blur_step, elbo_step, reparameterization_step
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint_names
from vae.serve.query import read_name, read_whole

STEP_PAGES = (autoencoder_step, weaknesses_step, distribution_step, elbo_step, reparameterization_step, blur_step)
NEEDED = ("ae", "bce", "bce-b2", "bce-b4")
DIGIT_KEYS = {2: "start_here_digit", 3: "start_here_elbo_digit", 5: "start_here_blur_digit"}  # steps with a digit
LINK_DIGIT = "start_here_link_digit"  # a link's digit, until the step it is for has its widget

st.title("Start here: from autoencoder to VAE")
st.write(
    "Six short steps, each live on the shipped models: why a plain autoencoder cannot generate, what a VAE "
    "changes, the loss that trains it, the trick that makes it trainable, and why its samples come out "
    "blurry. Use Previous and Next (or PageUp and PageDown, as a presentation clicker sends) to move through "
    "the steps; each ends with a link to the page that explores it further.")
share = read_link("start_here", {"step": (STEP_KEY, read_step),
                                 "digit": (LINK_DIGIT, partial(read_whole, lo=0, hi=9999)),
                                 "dataset": (DATASET_KEY, partial(read_name, names=tuple(PAIRS)))})
if LINK_DIGIT in st.session_state and current_step() in DIGIT_KEYS:
    st.session_state[DIGIT_KEYS[current_step()]] = st.session_state.pop(LINK_DIGIT)

datasets = [d for d, pair in PAIRS.items() if all(n in checkpoint_names() for n in pair)]
missing = [n for n in NEEDED if n not in checkpoint_names()]
if missing:
    st.error(f"This lesson needs the shipped checkpoints {', '.join(missing)} in checkpoints/ (see the README).")
    st.stop()

mode, choice = st.columns([1, 2], vertical_alignment="center")
with mode:
    size = presenter_mode()
with choice:
    dataset_choice(datasets)
navigation()
st.divider()
STEP_PAGES[current_step()](size)
digit_key = DIGIT_KEYS.get(current_step())
view = {"step": str(current_step() + 1)}
if lesson_dataset().name != "mnist":  # MNIST is the default: its links stay as they were
    view["dataset"] = lesson_dataset().name
if digit_key in st.session_state:  # the steps that pick a test digit
    view["digit"] = str(st.session_state[digit_key])
link_field(share, write_link(view))
