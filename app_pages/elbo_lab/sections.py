"""The ELBO lab's sections that work on one test digit under one checkpoint, drawn from the cached numbers in
data.py; each section is a fragment, so its own controls rerun only that section."""
import functools
import inspect

import numpy as np
import streamlit as st
import torch

from app_pages.elbo_lab.figures import gradient_figure, iwae_figure, monte_carlo_figure, posterior_figure
from app_pages.elbo_lab.data import (compute_ahead, decomposition, gradients, iwae_estimate, likelihood_draws,
                                     references)
from app_pages.elbo_lab.draws import grow, shared_draws
from ui.ahead import work_ahead
from ui.chart import chart
from vae.estimators import gradient_samples, iwae_curve, log_likelihood_samples, running_mean
from vae.marginal import log_marginal_grid
from vae.posterior import expected_log_likelihood, kl_q_to_posterior


def next_seed(key: str):
    """Button callback: a new seed for the section's random draws (runs before the section reruns)."""
    st.session_state[key] = st.session_state.get(key, 0) + 1


@functools.cache  # inspect re-reads and re-tokenises the file at every call: ~1 ms a function, 11 of them a run
def source(fn) -> str:
    return inspect.getsource(fn)


def intro(title: str, text: str, formula: str) -> None:
    """A section's heading, paragraph and formula as one element: a new digit redraws four sections, and each element
    is a message the server makes and sends (these were 12 of a press's 59)."""
    st.markdown(f"## {title}\n\n{text}\n\n$$\n{formula}\n$$")


def show_source(*functions):
    """The functions' code, in an expander that draws it only once a student opens it (which reruns the section):
    until then a load of the page sends none of its fifteen code blocks."""
    box = st.expander("The code that computes this", on_change="rerun",
                      key="elbo_lab_source_" + "_".join(fn.__name__ for fn in functions))
    if box.open:
        with box:
            for fn in functions:
                st.code(source(fn), language="python")


def ask_ahead(name: str, index: int) -> None:
    """Wish for the digits this student will probably open next, with the draws' seeds as they are now: the next
    "Random" one, then those either side of this one (the number box's + and -); last, one digit more for the pool
    that every session's "Random" draws from (draws.py), until it is full."""
    seeds = st.session_state.get("elbo_lab_gradient_seed", 0), st.session_state.get("elbo_lab_mc_seed", 0)
    digits = [st.session_state["elbo_lab_next_random"]] + [i for i in (index + 1, index - 1) if 0 <= i <= 9999]
    wishes = [(("elbo_lab", name, i, *seeds), functools.partial(compute_ahead, name, i, *seeds)) for i in digits]
    if not shared_draws().full():
        wishes.append((("elbo_lab_pool", len(shared_draws())), grow))
    work_ahead().wish(wishes)


@st.fragment
def posterior_section(name: str, index: int):
    intro("1 · The true posterior against the encoder's guess",
          "Bayes' rule gives the posterior over codes for this digit, p(z|x) = p(x|z) p(z) / p(x). Its "
          "denominator p(x) is an integral over every z; in two dimensions a grid computes it, so here the "
          "\"intractable\" posterior is drawn exactly (blue) next to the Gaussian q(z|x) the encoder proposes "
          "(red). How far apart they are is exactly what the ELBO loses.",
          r"\log p(x) = \underbrace{\mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}(q(z|x)\,\|\,p(z))}"
          r"_{\text{ELBO}} + \underbrace{\mathrm{KL}(q(z|x)\,\|\,p(z|x))}_{\text{gap}\ \ge\ 0}")
    dec = decomposition(name, index)
    fig_col, num_col = st.columns([3, 2], gap="large")
    with fig_col:
        chart(posterior_figure(dec, f"{name}/{index}"), key="elbo_lab_posterior_chart")
    with num_col:
        st.metric("log p(x), grid quadrature", f"{dec['log_px']:.3f} nats")
        st.metric("ELBO", f"{dec['elbo']:.3f} nats", help="Gauss-Hermite quadrature of E_q[log p(x|z)] "
                  "minus the closed-form KL to the prior.")
        st.metric("gap: KL(q(z|x) ‖ p(z|x)), on a grid", f"{dec['kl_gap']:.3f} nats")
        st.markdown(f"**Check:** ELBO + gap = {dec['elbo'] + dec['kl_gap']:.4f}, log p(x) = {dec['log_px']:.4f}, "
                    f"difference {abs(dec['identity_error']):.1e} nats (three separate computations).")
    show_source(log_marginal_grid, expected_log_likelihood, kl_q_to_posterior)


@st.fragment
def iwae_section(name: str, index: int):
    intro("2 · Importance weighting closes the gap",
          "Averaging K importance weights p(x, z)/q(z|x) inside the log gives a tighter bound: with K = 1 it is "
          "the ELBO, and as K grows it climbs towards log p(x).",
          r"\mathcal{L}_K = \mathbb{E}\Big[\log \frac{1}{K}\sum_{k=1}^{K} \frac{p(x, z_k)}{q(z_k|x)}\Big],"
          r"\quad z_k \sim q(z|x), \qquad \mathrm{ELBO} = \mathcal{L}_1 \le \mathcal{L}_K \le \log p(x)")
    ref, curve = references(name, index), iwae_estimate(name, index)
    k_max, blocks = curve["k"][-1], curve["blocks"]
    st.write(f"{blocks * k_max:,} draws are split into disjoint blocks of K, one bound per block ({blocks} blocks "
             f"for K = {k_max:,}, {blocks * k_max:,} for K = 1); each point is their mean and its bar their spread.")
    chart(iwae_figure(curve, ref["log_px"], ref["elbo"], f"{name}/{index}"), key="elbo_lab_iwae_chart")
    exact = f"quadrature: {ref['log_px']:.3f}." if ref["log_px"] is not None else "no quadrature beyond 2-D."
    st.caption(f"K = {k_max:,}: {curve['mean'][-1]:.3f} ± {curve['std'][-1]:.3f} nats; {exact}")
    show_source(iwae_curve)


@st.fragment
def gradient_section(name: str, index: int):
    intro("3 · Why reparameterize",
          "Training needs the gradient of an expectation over q. The score-function estimator multiplies each "
          "sample's log-likelihood, a number in the hundreds, by a random sign and size; the reparameterization "
          "trick moves the randomness into ε and differentiates through z = μ + σε. Both are unbiased. Below, "
          "2,000 single-sample estimates of each, for this digit.",
          r"\nabla_\mu \mathbb{E}_{q}[f(z)] = \mathbb{E}_{\epsilon}\big[f(\mu+\sigma\epsilon)\,\epsilon/\sigma\big]"
          r" = \mathbb{E}_{\epsilon}\big[\nabla_z f(\mu+\sigma\epsilon)\big],\qquad \epsilon\sim\mathcal{N}(0, I)")
    seed = st.session_state.get("elbo_lab_gradient_seed", 0)
    samples = gradients(name, index, seed)
    var_s, var_r = samples["score"].var(0), samples["reparam"].var(0)
    fig_col, num_col = st.columns([3, 2], gap="large")
    with fig_col:
        chart(gradient_figure(samples, f"{name}/{index}/{seed}"), key="elbo_lab_gradient_chart")
    with num_col:
        st.metric("variance ratio, score / reparameterization", f"{np.mean(var_s / var_r):,.0f}×")
        st.table({"estimator": ["score function", "reparameterization"],
                  "variance ∂/∂μ₁": [f"{var_s[0]:.3g}", f"{var_r[0]:.3g}"],
                  "variance ∂/∂μ₂": [f"{var_s[1]:.3g}", f"{var_r[1]:.3g}"]})
        st.caption("Averaging S samples divides both variances by S: the score function needs that ratio "
                   "times more samples for the same precision.")
        st.button("Draw again", key="elbo_lab_gradient_redraw", on_click=next_seed, args=("elbo_lab_gradient_seed",))
    show_source(gradient_samples)


@st.fragment
def monte_carlo_section(name: str, index: int):
    intro("4 · Monte Carlo estimation",
          "The ELBO's reconstruction term is an expectation under q, estimated in training by averaging "
          "log p(x|z) over a few samples. The running mean wanders early and settles, and its typical error "
          "shrinks like 1/√T; for a 2-D model the exact value comes from the quadrature above.",
          r"\mathbb{E}_{q}[g(z)] \approx \hat g_T = \frac{1}{T}\sum_{t=1}^{T} g(z_t), \qquad "
          r"\mathrm{sd}(\hat g_T) = \frac{\mathrm{sd}(g)}{\sqrt{T}}")
    seed = st.session_state.get("elbo_lab_mc_seed", 0)
    draws = likelihood_draws(name, index, seed)
    running = running_mean(torch.from_numpy(draws)).numpy()
    ref = references(name, index)
    chart(monte_carlo_figure(running, ref["expected_log_lik"], float(draws.std()), f"{name}/{index}/{seed}",
                             ref["what"]), key="elbo_lab_mc_chart")
    st.button("Draw again", key="elbo_lab_mc_redraw", on_click=next_seed, args=("elbo_lab_mc_seed",))
    show_source(running_mean, log_likelihood_samples)
