from functools import partial

import streamlit as st

from ui.board_store import opened_entries, read_model, title
from ui.collapse import collapse_panel, measures, measures_of
from ui.figures import latent_scatter
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint, checkpoint_names, encoded_test_set, info
from ui.session_models import LIVE, session_choices, session_encoding
from ui.training import current, live_encoding
from ui.upload import uploaded_checkpoints
from vae.latent import pca_plane, project

LIKELIHOOD_NAMES = {"bce": "Bernoulli (BCE)", "mse": "Gaussian (MSE)", "notes": "notes' loss (mean MSE)"}

st.title("Latent map")
st.write(
    "The encoder turns each 28×28 test image into a Gaussian over its code z: two numbers for most models here, up "
    "to 32 for the latent-size ladder. Each dot is the mean of that "
    "Gaussian for one of the 10,000 test images of the dataset the checkpoint learned (MNIST's digits or "
    "Fashion-MNIST's clothes), coloured by its class. Images that look alike land close together, and the KL term "
    "keeps the whole cloud near the standard normal prior. Click a class in the legend to hide it; double-click to "
    "show it alone.")
share = read_link("latent_map",
                  {"checkpoint": ("latent_map_checkpoint", partial(read_model, names=checkpoint_names()))})

own_models = session_choices()
names = own_models + opened_entries() + checkpoint_names()
if not names:
    st.error("No checkpoints in checkpoints/. Train one with "
             "`python -m vae.train --likelihood bce --out checkpoints/bce.safetensors`.")
    st.stop()

def show(enc: dict, key: str):
    """The codes on the map: the plane itself for a 2-D model; otherwise their projection onto the two directions
    along which they vary most (PCA), said as such, with the share of their variance it keeps."""
    mu, names = enc["mu"], ("z₁", "z₂")
    if mu.shape[1] > 2:
        found = pca_plane(mu)
        mu, names = project(found, mu), ("PC1", "PC2")
        st.info(f"This model's latent space has {enc['mu'].shape[1]} dimensions. The map is a projection: the codes' "
                f"components along their two principal directions (PCA), which keep {sum(found['share']):.0%} of their "
                f"variance ({found['share'][0]:.0%} and {found['share'][1]:.0%}). Codes close here may be far apart "
                "in the other directions.", icon=":material/3d_rotation:")
    fig = latent_scatter(mu, enc["label"], classes=enc["classes"], item=enc["item"])
    fig.update_layout(xaxis_title=names[0], yaxis_title=names[1])
    st.plotly_chart(fig, key=key)


chart_col, side = st.columns([3, 1], gap="large")
with side:
    name = st.selectbox("Checkpoint", names, key="latent_map_checkpoint", format_func=title)
link_field(share, write_link({"checkpoint": name}), private=name in own_models)

if name == LIVE:
    @st.fragment(run_every="2s" if current().running else None)
    def live_map():
        enc = live_encoding()
        st.caption(f"This session's model after step {enc['step']}; the map refreshes every 2 s while it trains.")
        show(enc, key="latent_map_live_chart")
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
    show(session_encoding(name, ckpt.model) if name in own_models else encoded_test_set(name), key="latent_map_chart")
    st.subheader("Which dimensions carry information")
    collapse_panel(measures_of(ckpt.model, ckpt.train_config) if name in own_models else measures(name),
                   ckpt.train_config.free_bits, key="latent_map_collapse")
