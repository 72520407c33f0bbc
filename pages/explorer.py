import streamlit as st

from ui.explorer_component import latent_explorer
from ui.explorer_figures import digit_figure
from ui.models import checkpoint, checkpoint_names
from vae.explorer import decode_point

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
z = latent_explorer(name, key="explorer_map")

if z is None:
    z = (0.0, 0.0)
    st.caption("Until you click, the point shown is the prior's centre, z = (0, 0).")
st.caption("When you let go of the button, the browser sends z to the server, which decodes it with PyTorch "
           "(the browser decoded it from the same weights):")
z1_col, z2_col, image_col, _ = st.columns([1, 1, 1, 3])
z1_col.metric("z₁", f"{z[0]:.4f}")
z2_col.metric("z₂", f"{z[1]:.4f}")
with image_col:
    st.plotly_chart(digit_figure(decode_point(checkpoint(name).model, z), size=130), key="explorer_server_digit")
