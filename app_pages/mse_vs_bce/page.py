import streamlit as st

from ui.models import checkpoint_names
from app_pages.mse_vs_bce.sections_why import knobs_section, toy_section
from app_pages.mse_vs_bce.sections import blur_section, side_by_side

st.title("MSE vs BCE: why VAEs blur")
st.write(
    "Two VAEs with the same architecture, data and training, differing only in the decoder's likelihood: "
    "`bce` reads each pixel as a coin (Bernoulli), `mse` as a Gaussian with σ = 0.1, which makes its loss a "
    "squared error. Compare what they draw, measure how blurry it is, then see where the grey comes from: "
    "when nearby codes stand for digits that disagree about a pixel, the best single output is their average.")

names = [n for n in ("bce", "mse") if n in checkpoint_names()]
if len(names) < 2:
    st.error("This page needs the shipped checkpoints bce and mse in checkpoints/ (see the README).")
    st.stop()

tabs = st.tabs(["Side by side", "Blur, measured", "Why: the average", "σ, β and the notes' loss"])
with tabs[0]:
    side_by_side(names)
with tabs[1]:
    blur_section(names)
with tabs[2]:
    toy_section(names)
with tabs[3]:
    knobs_section()
