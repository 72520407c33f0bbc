from functools import partial

import numpy as np
import streamlit as st

from app_pages.elbo_lab.sections import (ask_ahead, gradient_section, iwae_section, monte_carlo_section,
                                        posterior_section)
from app_pages.elbo_lab.data import FIRST_DIGIT, boundable, shipped as shipped_names
from app_pages.elbo_lab.draws import next_random
from ui.board_store import opened_entries, read_model, title
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint, dataset_of, images, info, scored_image
from vae.serve.query import read_switch, read_whole
from app_pages.elbo_lab.sections_1d import kl_section, probability_section
from app_pages.elbo_lab.sections_nd import estimate_section
from app_pages.elbo_lab.sections_gap import FIT_KEY, gap_section, gap_table_section

st.title("ELBO lab")
st.write(
    "A VAE is trained by maximising the ELBO, a lower bound on log p(x), because p(x) itself is an integral "
    "over every possible code z. With only two latent dimensions that integral fits on a grid, so this page "
    "computes exactly what the theory says is out of reach, and sets the bound, the gap and the estimators "
    "beside it; for a larger latent space it estimates them. Pick a test image (a digit, or a garment for a "
    "Fashion-MNIST model); every number below is computed live on the chosen model.")



shipped = shipped_names()
share = read_link("elbo_lab", {"checkpoint": ("elbo_lab_checkpoint", partial(read_model, names=shipped, keep=boundable)),
                               "digit": ("elbo_lab_index", partial(read_whole, lo=0, hi=9999)),
                               "fit": (FIT_KEY, read_switch)})
names = opened_entries(boundable) + shipped
if not names:
    st.error("No 2-D checkpoint with a proper likelihood in checkpoints/ (train one with `python -m vae.train`).")
    st.stop()
if "elbo_lab_index" not in st.session_state:
    st.session_state["elbo_lab_index"] = FIRST_DIGIT
if "elbo_lab_next_random" not in st.session_state:  # drawn in advance, so the server can compute it ahead
    st.session_state.update(elbo_lab_seen=set(), elbo_lab_next_random=next_random(set()))


def random_digit():
    seen = st.session_state["elbo_lab_seen"]
    seen.add(st.session_state["elbo_lab_next_random"])
    st.session_state.update(elbo_lab_index=st.session_state["elbo_lab_next_random"],
                            elbo_lab_next_random=next_random(seen))


@st.fragment
def digit_sections():
    """The model and test image, and the four sections on them: a fragment, so a new digit reruns these alone and
    the page above and the 1-D sections below stay as they were drawn."""
    pick, image_col = st.columns([3, 1], gap="large")
    with pick:
        name = st.selectbox("Model", names, key="elbo_lab_checkpoint", format_func=title,
                            help="bce-binarized scores binarized digits, so its numbers are exact log-likelihoods.")
        dataset = info(dataset_of(name))
        index = st.number_input(f"Test {dataset.item} (0-9999) of {dataset.title}", 0, 9999, key="elbo_lab_index")
        st.button(f"Random {dataset.item}", key="elbo_lab_random", on_click=random_digit)
    splittable = checkpoint(name).config.latent_dim == 2 and not checkpoint(name).config.conditional
    fitted = {"fit": "1"} if splittable and st.session_state.get(FIT_KEY) else {}  # 1b's toggle, drawn below
    link_field(share, write_link({"checkpoint": name, "digit": str(index), **fitted}))
    with image_col:
        image = scored_image(name, index).reshape(28, 28).numpy()
        label = dataset.label(images(dataset.name).y_test[index])
        st.image(np.kron(image, np.ones((5, 5))), clamp=True, caption=f"test {dataset.item} {index}: {label}",
                 width=140, alt=f"Test {dataset.item} {index} of {dataset.title}, a {label}, as the model scores it")

    (posterior_section if checkpoint(name).config.latent_dim == 2 else estimate_section)(name, index)
    if splittable:
        gap_section(name, index)
    iwae_section(name, index)
    gradient_section(name, index)
    monte_carlo_section(name, index)
    ask_ahead(name, index)


digit_sections()
gap_table_section(shipped)
probability_section()
kl_section()
