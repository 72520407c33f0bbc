from functools import partial

import streamlit as st

from app_pages.explorer.component import latent_explorer, payload, session_payload
from app_pages.explorer.slices import describe, plane_of, slice_controls
from app_pages.explorer.sections import own_digit, own_digit_section, prior_section, server_check
from ui.board_store import opened_entries, read_model, title
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint, checkpoint_names, dataset_of, encoded_test_set, info
from ui.session_models import LIVE, live_caption, session_choices, session_encoding, session_model
from ui.session_models import dataset_of as session_dataset
from ui.training import current
from vae.serve.query import point_text, read_point

Z_LIMIT = 8.0  # a link's point: the prior has next to no mass past 4 standard deviations

st.title("Latent explorer")
st.write(
    "Every dot is one of the 10,000 test images of the checkpoint's dataset (MNIST's digits or Fashion-MNIST's "
    "clothes), placed at the mean of its encoding and coloured by its class; hover one to see the image itself. "
    "Click anywhere on the plane, on a dot or between them, and the decoder draws what lives at that point; hold the "
    "button and drag to watch one digit or garment morph into another. The dashed circles are one and two standard "
    "deviations of the prior N(0, I).")

shipped = checkpoint_names()
share = read_link("explorer", {"checkpoint": ("explorer_checkpoint", partial(read_model, names=shipped)),
                               "z": ("explorer_start", partial(read_point, limit=Z_LIMIT))})
own_models = session_choices()
names = own_models + opened_entries() + shipped
if not names:
    st.error("No checkpoint in checkpoints/.")
    st.stop()

pick, note = st.columns([1, 3])
name = pick.selectbox("Checkpoint", names, key="explorer_checkpoint", format_func=title)
if name in own_models:
    model = session_model(name)
    if name == LIVE:
        note.caption(live_caption())
        note.button("Load the newest weights", key="explorer_refresh", disabled=not current().running)
    else:
        note.caption("Uploaded in this browser tab; no one else sees it.")
else:
    model = checkpoint(name).model
    note.caption(f"Trained on {info(dataset_of(name)).title}.")
dataset = info(session_dataset(name) if name in own_models else dataset_of(name))
cut = slice_controls(model.config.latent_dim, dataset.item)
own = own_digit(model, dataset.box)
q = own if own and "mu" in own else None
start = st.session_state.get("explorer_start")
enc = session_encoding(name, model) if name in own_models else encoded_test_set(name)
plane = cut and plane_of(cut, enc["mu"])  # once a rerun: a PCA of the 10,000 codes takes about 10 ms
data = session_payload(name, model, enc, q, start, plane) if name in own_models else payload(name, q, start, cut, plane)


@st.fragment
def chosen_point():
    """The map and what depends on the point picked on it: a click reruns only this, not the page (the map's
    bytes are the same, so the browser gets a reference to them)."""
    z = latent_explorer(data, key="explorer_map") or start
    if cut:
        st.caption(describe(cut, plane, dataset.item))
    link_field(share, write_link({"checkpoint": name, **({"z": point_text(z)} if z else {})}),
               private=name in own_models)
    with st.expander("Check: the server decodes the same point", icon=":material/fact_check:"):
        server_check(model, z, plane)  # an engineering check, kept out of the teaching flow


chosen_point()
st.divider()
own_col, prior_col = st.columns(2, gap="large")
with own_col:
    own_digit_section(own, dataset)
with prior_col:
    prior_section(model)
