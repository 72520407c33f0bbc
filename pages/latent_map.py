import streamlit as st

from ui.figures import latent_scatter
from ui.models import checkpoint, checkpoint_names, encoded_test_set

st.title("Latent map")
st.write(
    "The encoder turns each 28×28 MNIST test image into a Gaussian over two numbers. Each dot below is the "
    "mean of that Gaussian for one of the 10,000 test digits, coloured by the digit it shows. Digits that "
    "look alike land close together; the KL term keeps the whole cloud near the standard normal prior. "
    "Click a digit in the legend to hide it, double-click to show it alone.")

names = checkpoint_names()
if not names:
    st.error("No checkpoints found in checkpoints/. Train one with `python -m vae.train --out checkpoints/bce`.")
    st.stop()
name = st.selectbox("Checkpoint", names, key="latent_map_checkpoint")
ckpt = checkpoint(name)
if ckpt.config.latent_dim != 2:
    st.warning(f"{name} has a {ckpt.config.latent_dim}-D latent space; the map shows its first two dimensions.")
enc = encoded_test_set(name)

cols = st.columns(4)
cols[0].metric("Decoder", {"bce": "Bernoulli", "mse": f"Gaussian σ={ckpt.config.sigma:g}",
                           "notes": "notes' mean MSE"}[ckpt.config.likelihood])
unit = "per pixel" if ckpt.config.likelihood == "notes" else "nats / image"
for col, key, label in zip(cols[1:], ("test_loss", "test_recon", "test_kl"), ("Test loss", "Reconstruction", "KL")):
    if key in ckpt.metrics:
        col.metric(f"{label} ({unit})", f"{ckpt.metrics[key]:.2f}")

st.plotly_chart(latent_scatter(enc["mu"][:, :2], enc["label"]), key="latent_map_chart")
