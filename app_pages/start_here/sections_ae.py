"""Lesson steps 1-3: the plain autoencoder, its weaknesses next to the VAE, and encoding to a distribution."""
import numpy as np
import streamlit as st

from app_pages.start_here.data import BETA_MODELS, PAIRS, posterior, samples, spread
from app_pages.start_here.figures import image_grid, map_with_samples, posterior_figure
from app_pages.start_here.nav import go_deeper, lesson_dataset
from ui.chart import chart
from ui.models import checkpoint, encoded_test_set, stamp
from ui.navigation import script
from ui.shared_figure import shared_figure
from vae.datasets import DATASETS

LATENT_MAP = script("latent_map")
N_SAMPLES = 16


def plural(dataset) -> str:
    return "digits" if dataset.item == "digit" else "items"


def named(dataset) -> dict:
    return {"classes": dataset.classes, "item": dataset.item}


@st.cache_resource(max_entries=64, show_spinner=False)
def code_map(name: str, file_stamp: float, seed: int | None, height: int, font: int, dataset: str):
    """The map of `name`'s 10,000 test codes, with its prior samples for `seed` (None: none), named as `dataset`'s
    classes, as the canvas chart's data. Building it costs more than the rest of the step, and it is the same for
    every student who sees it: built once, shared (the chart only reads it)."""
    enc = encoded_test_set(name)
    z = np.zeros((0, 2)) if seed is None else samples(name, N_SAMPLES, seed)["z"]
    return map_with_samples(enc["mu"], enc["label"], z, height, font, **named(DATASETS[dataset]))


def samples_grid(name: str, file_stamp: float, seed: int, height: int):
    return image_grid(samples(name, N_SAMPLES, seed)["images"], 8, height)


def posterior_view(name: str, file_stamp: float, index: int, beta: float, height: int, font: int):
    """Test digit `index`'s q(z|x) under `name` over 2,000 other digits' codes."""
    return posterior_figure(encoded_test_set(name)["mu"][:2000], posterior(name, index), beta, height, font)


def autoencoder_step(size: dict):
    dataset = lesson_dataset()
    st.header("1 · An autoencoder squeezes 784 pixels into 2 numbers")
    st.write(
        "An encoder network maps each 28×28 image to a single point in a plane, and a decoder network has to "
        "rebuild the image from those two numbers alone. Trained only to reconstruct, it learns a code in "
        f"which similar {plural(dataset)} tend to land near each other. Below: every {dataset.title} test "
        f"{dataset.item}, encoded by a plain autoencoder with exactly the VAE's layer sizes.")
    map_col, side = st.columns([3, 1], gap="large")
    name = PAIRS[dataset.name][0]
    enc, ae = encoded_test_set(name), checkpoint(name)
    with side:
        st.metric("Reconstruction, nats per image (test set)", f"{ae.metrics['test_recon']:.1f}")
        lo, hi = enc["mu"].min(0), enc["mu"].max(0)
        st.metric("Code range of z₁ (latent units)", f"{lo[0]:.0f} to {hi[0]:.0f}")
        st.metric("Code range of z₂ (latent units)", f"{lo[1]:.0f} to {hi[1]:.0f}")
    with map_col:
        chart(code_map(name, stamp(name), None, size["height"], size["font"], dataset.name), key="start_here_ae_map")
    go_deeper(LATENT_MAP, "the latent map of every shipped model")


def _model_column(name: str, title: str, seed: int, size: dict):
    st.subheader(title)
    st.metric("Test codes inside the prior's 2σ circle", f"{100 * spread(name)['inside_2sd']:.0f}%")
    chart(code_map(name, stamp(name), seed, size["height"], size["font"], lesson_dataset().name),
          key=f"start_here_map_{name}")
    st.caption("The crosses above, z ~ N(0, I), decoded:")
    st.plotly_chart(shared_figure(samples_grid, name, stamp(name), seed, size["grid"] // 2),
                    key=f"start_here_samples_{name}")


def weaknesses_step(size: dict):
    st.header("2 · Its weaknesses, seen side by side with a VAE")
    st.write(
        "Nothing in the autoencoder's loss says where its codes should sit or how far they should spread, and "
        "nothing gives the empty space between its clusters a meaning: a point there decodes to whatever the "
        "decoder happens to make of it. So drawing codes from N(0, I) is a gamble that pays off only where the "
        "clusters happen to lie. The VAE's KL term ties its map to the prior, round and centred, so the same "
        f"draws land where codes live and decode to {plural(lesson_dataset())} more often.")
    if "start_here_seed" not in st.session_state:
        st.session_state["start_here_seed"] = 0
    st.button("Draw new samples", key="start_here_redraw", icon=":material/casino:",
              on_click=lambda: st.session_state.update(start_here_seed=st.session_state["start_here_seed"] + 1))
    seed = st.session_state["start_here_seed"]
    ae, vae = PAIRS[lesson_dataset().name]
    left, right = st.columns(2, gap="large")
    with left:
        _model_column(ae, f"Autoencoder ({ae})", seed, size)
    with right:
        _model_column(vae, f"VAE ({vae})", seed, size)
    go_deeper(LATENT_MAP, f"compare {ae} and {vae} on the latent map")


def distribution_step(size: dict):
    st.header("3 · Encode to a distribution, and pull it towards the prior")
    st.write(
        "A VAE's encoder outputs a Gaussian q(z|x) for each image: a mean and a spread, the ellipse below. "
        "Its loss adds the KL divergence from q(z|x) to the prior N(0, I), which pulls every mean towards 0 and "
        "every spread towards 1, so the codes overlap and fill the plane. Reconstruction pulls the other way, "
        "towards narrow, precise codes; weigh the KL more (β) and the ellipses widen.")
    if lesson_dataset().name != "mnist":
        st.caption(f"The β models were trained on MNIST only, so this step shows MNIST digits "
                   f"whichever dataset the lesson is on ({lesson_dataset().title}).")
    fig_col, side = st.columns([3, 1], gap="large")
    with side:
        beta = st.select_slider("β, the weight of the KL term", list(BETA_MODELS), key="start_here_beta")
        st.session_state.setdefault("start_here_digit", 0)  # a default set here, so that a link may set another
        index = st.number_input("Test digit (0-9999)", 0, 9999, key="start_here_digit")
        name = BETA_MODELS[beta]
        post = posterior(name, index)
        st.metric("This digit's KL(q‖p), nats", f"{post['kl']:.2f}")
        st.metric("Distance of μ from 0 (latent units)", f"{np.linalg.norm(post['mu']):.2f}")
        st.metric("σ₁, σ₂ (latent units)", f"{post['std'][0]:.2f}, {post['std'][1]:.2f}")
        st.metric("Test-set mean KL, nats/image", f"{checkpoint(name).metrics['test_kl']:.2f}")
    with fig_col:
        st.plotly_chart(shared_figure(posterior_view, name, stamp(name), index, beta, size["height"], size["font"]),
                        key="start_here_q")
        st.caption(f"Model {name}; the digit is a {post['label']}. At β = 1 its ellipse is barely wider than the "
                   "marker: reconstruction wins most of the tug of war.")
    go_deeper(script("elbo_lab"), "q(z|x) against the exact posterior in the ELBO lab")
