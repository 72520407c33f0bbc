from functools import partial

import streamlit as st

from app_pages.train.browser import browser_panel, start_in_browser_button
from app_pages.train.sections import idle_panel, live_frame, live_panel
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint, checkpoint_names, dataset_of, info
from ui.training import current, initial_model, max_trainings, resume, start, training_slots
from vae.config import TrainConfig, VAEConfig
from vae.datasets import SHIPPED
from vae.serve.query import read_name

st.title("Train")
st.write(
    "Train a VAE here and watch it learn: the loss falls as the decoder learns to redraw its images (MNIST's digits "
    "or Fashion-MNIST's clothes), the KL term measures how much each code says about its image, and the latent "
    "map organises itself from a random "
    "smudge into clusters pulled towards the standard normal prior. Training keeps running while you visit "
    "other pages; only you see it until you save it.")
share = read_link("train", {"checkpoint": ("train_warm_start", partial(read_name, names=checkpoint_names()))})

run = current()
running = run is not None and run.running
where = st.segmented_control(  # back on this page, the choice is where the session's run trains
    "Where it trains", ["browser", "server"], default=run.where if run else "browser", required=True,
    key="train_where",
    format_func={"browser": "In this browser", "server": "On the server"}.get,
    help="In this browser, your own computer or phone does the work, so a whole class can train at once. On the "
         "server, the app's machine trains it, one or two runs at a time for everyone.")
with st.expander("Settings", expanded=not running):
    c1, c2, c3, c4 = st.columns(4)
    likelihood = c1.selectbox("Decoder likelihood", ["bce", "mse", "notes"], key="train_likelihood",
                              format_func={"bce": "Bernoulli (BCE)", "mse": "Gaussian (MSE)",
                                           "notes": "the notes' mean-reduced MSE"}.get)
    sigma = c1.number_input("Gaussian σ", 0.01, 1.0, 0.1, 0.01, key="train_sigma", disabled=likelihood != "mse")
    beta = c2.number_input("β (KL weight)", 0.0, 20.0, 1.0, 0.5, key="train_beta")
    lr = c2.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0, 10.0], 3e-3, key="train_lr")
    batch = c3.select_slider("Batch size", [32, 64, 128, 256, 512, 1024], 128, key="train_batch")
    epochs = c3.number_input("Epochs", 1, 100, 5, key="train_epochs")
    samples = c4.number_input("Monte Carlo samples L", 1, 16, 1, key="train_samples")
    seed = c4.number_input("Seed", 0, 10_000, 0, key="train_seed")
    binarize = c1.checkbox("Binarized data", key="train_binarize", help="x ~ Bernoulli(pixel), redrawn every step")
    conditional = c1.checkbox("Conditional (class given to both networks)", key="train_conditional",
                              help="A conditional VAE: the one-hot class joins the encoder's input and the decoder's, "
                                   "so z is left to carry the style. The page Class and style shows one.")
    warm = c2.selectbox("Start from", ["scratch", *checkpoint_names()], key="train_warm_start")
    if warm != "scratch":  # a checkpoint carries on with the data it was trained on
        st.session_state["train_dataset"] = dataset_of(warm)
    dataset = c3.selectbox("Dataset", SHIPPED, key="train_dataset", format_func=lambda d: info(d).title,
                           disabled=warm != "scratch", help="A model started from a checkpoint keeps its dataset.")
    free_bits = c3.number_input("Free bits (nats per dimension)", 0.0, 5.0, TrainConfig.free_bits, 0.25,
                                key="train_free_bits", help="No KL is charged for a latent dimension's first nats "
                                "(Kingma et al. 2016): the optimiser gains nothing by switching it off. 0: off.")
    if warm == "scratch":
        latent_dim = c4.number_input("Latent size", 2, 32, 2, key="train_latent_dim", help="Dimensions of z. "
                                     "Beyond 2, the live map shows the two that carry the most KL.")
    else:  # a checkpoint's architecture comes with it
        latent_dim = checkpoint(warm).config.latent_dim
        c4.caption(f"Latent size {latent_dim}, as the checkpoint's")
    kl_warmup = c4.number_input("KL warm-up", 0.0, 100.0, TrainConfig.kl_warmup_epochs, 0.5, key="train_kl_warmup",
                                help="In epochs: β ramps up from 0 over this many, so the decoder learns to use z "
                                "before the KL pulls it onto the prior. 0: off.")
link_field(share, write_link({} if warm == "scratch" else {"checkpoint": warm}))


def first_model():
    """The model and training settings chosen above, from scratch or from the chosen checkpoint."""
    cfg = TrainConfig(epochs=int(epochs), batch_size=batch, lr=lr, mc_samples=int(samples), seed=int(seed),
                      binarize=binarize, dataset=dataset, free_bits=float(free_bits), kl_warmup_epochs=float(kl_warmup))
    config = VAEConfig(likelihood=likelihood, sigma=sigma, beta=beta, latent_dim=int(latent_dim),
                       conditional=conditional and warm == "scratch")  # a checkpoint's architecture comes with it
    return initial_model(config, cfg, None if warm == "scratch" else warm), cfg


on_server = run is not None and run.where == "server"
# A run in the browser has its own Stop and Resume, in its view; a run on the server has them here
b1, b2, b3, _ = st.columns([1, 1, 1, 3]) if where == "server" or on_server else (st.container(), None, None, None)
if where == "browser":
    with b1:
        start_in_browser_button(first_model, disabled=running)
elif b1.button("Start", type="primary", key="train_start", disabled=running):
    if start(*first_model()):
        st.rerun()
    st.warning(f"The server is busy: it runs at most {max_trainings()} training(s) at once. A slot should free "
               f"up in about {training_slots().free_in():.0f} s; try again then, or train in your browser.")
if b2 is not None:
    if b2.button("Stop", key="train_stop", disabled=not (on_server and running)):
        run.stop()
        run.join(5)
        st.rerun()
    can_resume = on_server and not running and run.snapshot()["end"]["kind"] == "stopped"
    if b3.button("Resume", key="train_resume", disabled=not can_resume):
        if resume():
            st.rerun()
        st.warning("The server is busy with other trainings; try again in a moment.")

if where == "browser" or (run is not None and run.where == "browser"):
    browser_panel()
elif run is None:
    st.info("Choose settings and press Start. A 5-epoch run takes about 20 s on the server.")
if run is not None and run.where == "server":
    if running:
        curves_col, frame_col = st.columns([3, 2], gap="medium")
        with curves_col:
            live_panel()
        with frame_col:
            live_frame()
    else:
        idle_panel()
