from functools import partial

import streamlit as st

from app_pages.class_style.component import payload, session_payload, style_plane
from app_pages.class_style.sections import grid_section, own_digit, own_digit_section
from app_pages.class_style.sections_bayes import bayes_section
from ui.board_store import opened_entries, read_model, title
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint, checkpoint_names, dataset_of, encoded_test_set, info
from ui.session_models import session_choices, session_encoding, session_model
from ui.session_models import dataset_of as session_dataset
from vae.serve.query import point_text, read_point, read_whole

Z_LIMIT = 8.0  # a link's point: the prior has next to no mass past 4 standard deviations
EVERY = -1  # the plane's class picker: every class's codes


def planar(ckpt) -> bool:
    return ckpt.config.latent_dim == 2


st.title("Class and style")
st.write(
    "A conditional VAE is given the class as well as the image: the encoder reads x with its one-hot class y, "
    "q(z|x, y), and the decoder draws from z and y, p(x|z, y). The class no longer has to be written into z, so the "
    "two numbers of z are left with the rest, the style: slant, thickness, size. And by Bayes' rule the same model "
    "reads which class an image is.")

shipped = [n for n in checkpoint_names(conditional=True) if planar(checkpoint(n))]
share = read_link("class_style", {
    "checkpoint": ("class_style_checkpoint", partial(read_model, names=shipped, keep=planar, conditional=True)),
    "z": ("class_style_start", partial(read_point, limit=Z_LIMIT)),
    "class": ("class_style_only", partial(read_whole, lo=0, hi=9)),
    "digit": ("class_style_digit", partial(read_whole, lo=0, hi=9999))})
own_models = session_choices(2, conditional=True)
names = own_models + opened_entries(planar, conditional=True) + shipped
if not names:
    st.info("No conditional model with a 2-D latent space in checkpoints/. Train one with "
            "`python -m vae.train --conditional --out checkpoints/cvae.safetensors`, or open one from the sidebar.")
    st.stop()

pick, only_pick, note = st.columns([1.2, 1, 2])
name = pick.selectbox("Conditional model", names, key="class_style_checkpoint", format_func=title)
model = session_model(name) if name in own_models else checkpoint(name).model
dataset = info(session_dataset(name) if name in own_models else dataset_of(name))
only = only_pick.selectbox("Codes on the plane", [EVERY, *range(10)], key="class_style_only",
                           format_func=lambda k: "every class" if k == EVERY else f"class {dataset.label(k)} alone")
note.caption("Uploaded in this browser tab; no one else sees it." if name in own_models else
             f"Trained on {dataset.title}, with the class given to the encoder and to the decoder.")
own = own_digit(model, dataset)
start = st.session_state.get("class_style_start")
q = own if own and "mu" in own else None
if name in own_models:
    data = session_payload(name, model, session_encoding(name, model), q, start, only)
else:
    data = payload(name, q, start, only)


@st.fragment
def plane_and_grid():
    """The plane and the grid that shows the point picked on it: a release on the plane reruns only these."""
    z = style_plane(data, key="class_style_plane") or start
    st.caption(f"The style plane: each dot is a test {dataset.item}'s code, the mean of q(z|x, y) given its own "
               "class. Unlike an ordinary VAE's plane the classes overlap, each filling the whole prior, because z no "
               "longer carries the class. Click or drag anywhere: the ten images are p(x|z, y)'s means at that z, one "
               "per class, decoded in your browser as the pointer moves.")
    digit = st.session_state.get("class_style_digit", 7)
    link_field(share, write_link({"checkpoint": name, **({"z": point_text(z)} if z else {}),
                                  **({"class": str(only)} if only != EVERY else {}), "digit": str(digit)}),
               private=name in own_models)
    grid_section(None if name in own_models else name, model, dataset, z, own)


plane_and_grid()
st.divider()
own_digit_section(own, dataset)
st.divider()
bayes_section(None if name in own_models else name, model, dataset, own)
