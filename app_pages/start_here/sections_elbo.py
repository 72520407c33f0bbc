"""Lesson steps 4-6: the ELBO in numbers and in code, the reparameterization trick, and why samples blur."""
import inspect

import numpy as np
import streamlit as st
import torch

import vae.losses
from app_pages.start_here.data import ELBO_SAMPLES, PAIRS, blur, elbo, posterior
from app_pages.start_here.figures import pixel_figure
from app_pages.start_here.nav import go_deeper, lesson_dataset
from app_pages.start_here.reparam import diagram_html
from ui.navigation import script

ELBO_LAB = script("elbo_lab")


def _zoom(image: np.ndarray, factor: int = 6) -> np.ndarray:
    return image.repeat(factor, 0).repeat(factor, 1)


def _ring(image: np.ndarray, pixel: int, factor: int = 6) -> np.ndarray:
    """The zoomed image in RGB with an orange frame around one pixel, which stays visible inside it."""
    r, c = divmod(pixel, 28)
    out = _zoom(np.stack([image] * 3, -1), factor)
    top, left, bottom, right = (r - 1) * factor, (c - 1) * factor, (r + 2) * factor, (c + 2) * factor
    frame = np.zeros(out.shape[:2], bool)
    frame[max(top, 0):bottom, max(left, 0):right] = True
    frame[max(top + 2, 0):bottom - 2, max(left + 2, 0):right - 2] = False
    out[frame] = (0.89, 0.34, 0.18)
    return out


def _vae() -> str:
    return PAIRS[lesson_dataset().name][1]


def elbo_step(size: dict):
    item, name = lesson_dataset().item, _vae()
    st.header("4 · The ELBO: reconstruction minus KL")
    st.write(
        "log p(x) cannot be computed directly, but it is never below the ELBO: the expected log-likelihood of "
        "the image under codes drawn from q(z|x), minus the KL from q(z|x) to the prior. Raising the ELBO "
        "means reconstructing well while staying close to the prior. In code we flip the sign and minimise "
        "reconstruction loss + KL; the function below is the one that trained every shipped model.")
    st.latex(r"\text{ELBO}(x) = \mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}(q(z|x)\,\|\,p(z)) \le \log p(x)")
    images, numbers = st.columns([1, 2], gap="large")
    with numbers:
        st.session_state.setdefault("start_here_elbo_digit", 7)  # a default set here, so that a link may set another
        index = st.number_input(f"Test {item} (0-9999)", 0, 9999, key="start_here_elbo_digit")
        terms = elbo(name, index)
        a, b, c = st.columns(3)
        a.metric("E_q[log p(x|z)], nats", f"{-terms['recon']:.2f}")
        b.metric("KL(q‖p), nats", f"{terms['kl']:.2f}")
        c.metric("ELBO, nats", f"{terms['elbo']:.2f}")
        st.caption(f"Model {name}; the expectation is a Monte Carlo mean over {ELBO_SAMPLES} draws of z, "
                   "the KL is exact. The loss below returns −ELBO as loss = recon + kl.")
    with images:
        st.image([_zoom(terms["image"]), _zoom(terms["reconstruction"])], clamp=True, width=size["grid"] // 2,
                 caption=[f"the {item} x", "decoded at μ"], alt=[f"The {item} x", f"The {item} x decoded at μ"])
    st.code(inspect.getsource(vae.losses.elbo_terms), language="python")
    go_deeper(ELBO_LAB, "log p(x) = ELBO + gap, computed exactly, in the ELBO lab")


def reparameterization_step(size: dict):
    st.header("5 · The reparameterization trick")
    st.write(
        "Gradients cannot flow through a random draw. So the draw is moved out of the network: take noise "
        "ε from N(0, I), which depends on nothing we train, and build z = μ + σ·ε. Now z is an ordinary "
        "function of μ and σ, and the loss's gradient reaches the encoder through both.")
    st.markdown(diagram_html(), unsafe_allow_html=True)
    if "start_here_eps_seed" not in st.session_state:
        st.session_state["start_here_eps_seed"] = 0
    st.button("Draw ε", key="start_here_eps", icon=":material/casino:",
              on_click=lambda: st.session_state.update(start_here_eps_seed=st.session_state["start_here_eps_seed"] + 1))
    post = posterior(_vae(), 7)
    eps = torch.randn(2, generator=torch.Generator().manual_seed(st.session_state["start_here_eps_seed"])).numpy()
    z = post["mu"] + post["std"] * eps
    cols = st.columns(4)
    for col, label, value in zip(cols, ("μ", "σ", "ε (the only random part)", "z = μ + σ·ε"),
                                 (post["mu"], post["std"], eps, z)):
        col.metric(f"{label}, latent units", f"({value[0]:.2f}, {value[1]:.2f})")
    st.caption(f"μ and σ are the {_vae()} encoder's output for test {lesson_dataset().item} 7; each press draws a "
               "new ε.")
    go_deeper(ELBO_LAB, "gradient variance with and without the trick (section 3 of the ELBO lab)")


def blur_step(size: dict):
    item, name = lesson_dataset().item, _vae()
    st.header("6 · Why the samples are blurry")
    st.write(
        "Images encoded close together differ in details: at some pixel, about half of them have ink (1) and "
        "the rest do not (0). The decoder gives one output per code, and the output that loses least on all of "
        "them is their average, about 0.5: a grey pixel instead of a crisp choice. Many such pixels together "
        "make the decoded image look blurry.")
    fig_col, side = st.columns([3, 1], gap="large")
    with side:
        st.session_state.setdefault("start_here_blur_digit", 1)  # a default set here, so that a link may set another
        index = st.number_input(f"Test {item} (0-9999)", 0, 9999, key="start_here_blur_digit")
        found = blur(name, index)
        on = float((found["values"] > 0.5).mean())
        st.metric("Neighbours with ink there", f"{100 * on:.0f}%", help="pixel value above 0.5")
        st.metric("Their mean value there (0 to 1)", f"{found['values'].mean():.2f}")
        st.metric("The decoder's output there (0 to 1)", f"{found['output']:.2f}")
    with fig_col:
        st.plotly_chart(pixel_figure(found["values"], found["output"], size["height"] * 2 // 3, size["font"]),
                        key="start_here_pixel")
        r, c = divmod(found["pixel"], 28)
        st.image([_ring(found["image"], found["pixel"]), _ring(found["decoded"], found["pixel"])], clamp=True,
                 width=size["grid"] // 2, caption=[f"the {item}", f"decoded at its code (pixel row {r}, column {c})"],
                 alt=[f"The {item}, pixel row {r}, column {c} ringed",
                      f"The {item} decoded at its code, pixel row {r}, column {c} ringed"])
    st.caption(f"The 50 test images encoded nearest to {item} {index} by {name}, and the pixel they disagree on most.")
    go_deeper(script("mse_vs_bce"), "blur measured, and MSE against BCE decoders")
