from functools import partial

import streamlit as st

from ui.figures import latent_scatter
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint, checkpoint_names, encoded_test_set, info
from ui.session_models import LIVE, session_choices, session_encoding
from ui.training import current, live_encoding
from ui.upload import uploaded_checkpoints
from vae.serve.query import read_name

LIKELIHOOD_NAMES = {"bce": "Bernoulli (BCE)", "mse": "Gaussian (MSE)", "notes": "notes' loss (mean MSE)"}

st.title("Latent map")
st.write(
    "The encoder turns each 28×28 test image into a Gaussian over two numbers. Each dot is the mean of that "
    "Gaussian for one of the 10,000 test images of the dataset the checkpoint learned (MNIST's digits or "
    "Fashion-MNIST's clothes), coloured by its class. Images that look alike land close together, and the KL term "
    "keeps the whole cloud near the standard normal prior. Click a class in the legend to hide it; double-click to "
    "show it alone.")
share = read_link("latent_map",
                  {"checkpoint": ("latent_map_checkpoint", partial(read_name, names=checkpoint_names()))})

own_models = session_choices()
names = own_models + checkpoint_names()
if not names:
    st.error("No checkpoints in checkpoints/. Train one with "
             "`python -m vae.train --likelihood bce --out checkpoints/bce.safetensors`.")
    st.stop()

chart_col, side = st.columns([3, 1], gap="large")
with side:
    name = st.selectbox("Checkpoint", names, key="latent_map_checkpoint")
link_field(share, write_link({"checkpoint": name}), private=name in own_models)

if name == LIVE:
    @st.fragment(run_every="2s" if current().running else None)
    def live_map():
        enc = live_encoding()
        st.caption(f"This session's model after step {enc['step']}; the map refreshes every 2 s while it trains.")
        st.plotly_chart(latent_scatter(enc["mu"], enc["label"], classes=enc["classes"], item=enc["item"]),
                        key="latent_map_live_chart")
    with chart_col:
        live_map()
    st.stop()

with side:
    ckpt = uploaded_checkpoints()[name] if name in own_models else checkpoint(name)
    config = ckpt.config
    decoder = LIKELIHOOD_NAMES[config.likelihood] + (f", σ = {config.sigma:g}" if config.likelihood == "mse" else "")
    st.caption(f"Trained on {info(ckpt.train_config.dataset).title} · decoder: {decoder} · β = {config.beta:g} · "
               f"latent size {config.latent_dim} · {ckpt.train_config.epochs} epochs, seed {ckpt.train_config.seed}")
    unit = "notes' scale" if config.likelihood == "notes" else "nats per image"
    for key, label in (("test_loss", "Test loss (−ELBO)"), ("test_recon", "Reconstruction"), ("test_kl", "KL")):
        if key in ckpt.metrics:
            st.metric(f"{label}, {unit}", f"{ckpt.metrics[key]:.2f}")
    if config.likelihood == "notes":
        st.info("Averaging the squared error over pixels makes reconstruction ~784× cheaper than the KL, "
                "so every digit is encoded onto the prior: the map is one blob.")

with chart_col:
    if config.latent_dim != 2:
        st.warning(f"{name} has a {config.latent_dim}-D latent space; the map shows its first two dimensions.")
    enc = session_encoding(name, ckpt.model) if name in own_models else encoded_test_set(name)
    st.plotly_chart(latent_scatter(enc["mu"][:, :2], enc["label"], classes=enc["classes"], item=enc["item"]),
                    key="latent_map_chart")
