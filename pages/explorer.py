import streamlit as st

from ui.explorer_component import latent_explorer
from ui.explorer_sections import own_digit, own_digit_section, prior_section, server_check
from ui.models import checkpoint, checkpoint_names

st.title("Latent explorer")
st.write(
    "Every dot is one of the 10,000 MNIST test digits, placed at the mean of its encoding and coloured by the "
    "digit it shows. Click anywhere on the plane, on a dot or between them, and the decoder draws what lives at "
    "that point; hold the button and drag to watch one digit morph into another. The dashed circles are one and "
    "two standard deviations of the prior N(0, I).")

names = [n for n in checkpoint_names() if checkpoint(n).config.latent_dim == 2]
if not names:
    st.error("No checkpoint with a 2-D latent space in checkpoints/.")
    st.stop()

pick, _ = st.columns([1, 3])
name = pick.selectbox("Checkpoint", names, key="explorer_checkpoint")
model = checkpoint(name).model
own = own_digit(model)
z = latent_explorer(name, key="explorer_map", q=own if own and "mu" in own else None)
server_check(model, z)
st.divider()
own_col, prior_col = st.columns(2, gap="large")
with own_col:
    own_digit_section(own)
with prior_col:
    prior_section(model)
