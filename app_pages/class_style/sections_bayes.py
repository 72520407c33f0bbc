"""Bayes' rule with the conditional model: p(y|x) for a test image or the user's own, and log p(x) beside the
unconditional VAE's on the same image."""
import functools
import inspect
import random

import numpy as np
import streamlit as st

from app_pages.class_style.data_bayes import bayes, bayes_numbers, reference_log_px
from app_pages.class_style.figures import posterior_bars
from ui.models import images, scored_image
from vae import bayes as bayes_maths
from vae.marginal import log_marginal_grid

SESSION_BAYES = "class_style_bayes"  # session_state: {(label, id(model), image bytes): numbers} for an uploaded model
TEST, OWN = "a test image", "your own"


@functools.cache  # inspect re-reads the file at every call
def source(fn) -> str:
    return inspect.getsource(fn)


def _random_digit():
    st.session_state["class_style_digit"] = random.randrange(10000)


def _numbers(name: str | None, model, index: int | None, x: np.ndarray) -> dict:
    """Bayes' rule on x: cached for every session for a shipped model, kept in this session for its own (one image
    at a time, like its encoding)."""
    if name is not None:
        return bayes(name, index, x)
    memo = st.session_state.setdefault(SESSION_BAYES, {})
    key = (id(model), np.asarray(x, np.float32).tobytes())
    if key not in memo:
        memo.clear()
        memo[key] = bayes_numbers(model, np.asarray(x, np.float32))
    return memo[key]


def bayes_section(name: str | None, model, dataset, own: dict | None):
    """`name`: the shipped checkpoint's (None for this session's own model)."""
    st.subheader("Bayes' rule: the model reads the class")
    st.write(
        "The conditional model gives p(x|y) for every class, and Bayes' rule turns it round, as in the notes: "
        f"p(y|x) = p(x|y) p(y) / p(x), with p(y) = 1/10. With a 2-D z, log p(x|y) = log ∫ p(x|z, y) p(z) dz is "
        "computed exactly by the ELBO lab's quadrature, once per class, so this generative model is a classifier "
        "with no classifier in it. Summed over the classes it gives p(x) itself, to set beside the ordinary VAE's.")
    st.latex(r"p(y\mid x) = \frac{p(x\mid y)\,p(y)}{\sum_{y'} p(x\mid y')\,p(y')}")  # two: each fits a phone
    st.latex(r"\log p(x) = \log \sum_{y} p(y)\, p(x\mid y)")
    has_own = own is not None and "x" in own
    pick, image_col, read_col = st.columns([2, 1, 1.3], gap="medium")
    with pick:
        source_pick = st.radio("Image", [TEST, OWN] if has_own else [TEST], key="class_style_bayes_source",
                               horizontal=True, format_func=lambda s: f"{s} {dataset.item}" if s == OWN else s)
        if "class_style_digit" not in st.session_state:
            st.session_state["class_style_digit"] = 7
        index = st.number_input(f"Test {dataset.item} (0-9999) of {dataset.title}", 0, 9999, key="class_style_digit",
                                disabled=source_pick == OWN)
        st.button(f"Random {dataset.item}", key="class_style_random", on_click=_random_digit,
                  disabled=source_pick == OWN)
    if source_pick == OWN:
        x, truth, index = own["x"], own["label"], None
        said = f"your {dataset.item}, which you said is {dataset.label(truth)}"
    else:
        x = scored_image(name, index).reshape(28, 28).numpy() if name else images(dataset.name).x_test[index].numpy()
        truth = int(images(dataset.name).y_test[index])
        said = f"test {dataset.item} {index}: {dataset.label(truth)}"
    image_col.image(np.kron(np.asarray(x).reshape(28, 28), np.ones((5, 5))), clamp=True, caption=said, width=140,
                    alt=f"The image Bayes' rule reads: {said}")
    found = _numbers(name, model, index, x)
    read = int(np.argmax(found["p_y"]))
    read_col.metric("read as", dataset.label(read), help="The class with the largest p(y|x).")
    read_col.metric("its p(y|x)", f"{found['p_y'][read]:.4f}")
    fig_col, num_col = st.columns([3, 2], gap="large")
    with fig_col:
        st.plotly_chart(posterior_bars(found["p_y"], found["log_px_y"], dataset.classes, truth),
                        key="class_style_bars", config={"displayModeBar": False})
        second = int(np.argsort(found["p_y"])[-2])
        st.caption(f"Runner-up: {dataset.label(second)}, p(y|x) = {found['p_y'][second]:.2g}, its log p(x|y) "
                   f"{found['log_px_y'][read] - found['log_px_y'][second]:.2f} nats below the winner's. Hover a bar "
                   "for its numbers.")
    with num_col:
        st.metric("log p(x), conditional model: log Σ_y p(y) p(x|y)", f"{found['log_px']:.3f} nats")
        ref = reference_log_px(dataset.name, x)
        if ref is not None:
            st.metric(f"log p(x), unconditional `{ref[0]}`", f"{ref[1]:.3f} nats",
                      delta=f"{found['log_px'] - ref[1]:+.3f} nats for the conditional", delta_color="off")
        st.caption("Both exact to about 1e-3 nats (quadrature on nested grids, as on the ELBO lab). The bars are "
                   "p(y|x) to 3 decimals; they sum to 1 up to float rounding. The outlined bar is the image's class.")
    with st.expander("The code that computes this"):
        for fn in (bayes_maths.bayes_rule, bayes_maths.class_log_likelihoods, log_marginal_grid):
            st.code(source(fn), language="python")
