"""The ELBO lab's first section for a latent space of more than two dimensions, where no grid can hold p(x|z) p(z):
log p(x) estimated by importance weighting, and the gap from it."""
import streamlit as st

from app_pages.elbo_lab.data import iwae_estimate
from app_pages.elbo_lab.sections import show_source
from ui.models import checkpoint
from vae.estimators import elbo_from_draws, iwae_curve


@st.fragment
def estimate_section(name: str, index: int):
    dim = checkpoint(name).config.latent_dim
    st.header("1 · log p(x), estimated")
    st.info(f"This model's latent space has {dim} dimensions. The exact posterior and log p(x) by quadrature need a "
            "grid over z: in two dimensions about a hundred points per axis do (some ten thousand in all), but in "
            f"{dim} the same grid would have 10^{2 * dim} points. Open a 2-D checkpoint to see them; here log p(x) is "
            "estimated.", icon=":material/grid_off:")
    st.write("The importance-weighted bound with K = 5,000 samples from q(z|x) (section 2, 5 repeats) is the best "
             "estimate of log p(x) here, and a lower bound on it; the ELBO is estimated from the same 25,000 draws. "
             "Their difference estimates the gap KL(q(z|x) ‖ p(z|x)) from below: the true gap is at least this large.")
    curve = iwae_estimate(name, index)
    iwae, spread = curve["mean"][-1], curve["std"][-1]
    a, b, c = st.columns(3)
    a.metric("log p(x) ≈ IWAE, K = 5,000", f"{iwae:.2f} nats", help=f"mean of 5 repeats; their spread ± {spread:.2f}")
    b.metric("ELBO", f"{curve['elbo']:.2f} nats", help=f"Monte Carlo standard error ± {curve['se']:.3f}")
    c.metric("gap, at least", f"{iwae - curve['elbo']:.2f} nats")
    st.caption(f"Spread of the IWAE estimate over 5 repeats: ± {spread:.3f} nats. KL(q ‖ p(z)) = {curve['kl']:.2f} nats, "
               "in closed form.")
    show_source(iwae_curve, elbo_from_draws)
