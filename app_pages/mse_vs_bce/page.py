from functools import partial

import streamlit as st

from app_pages.mse_vs_bce.sections import blur_section, side_by_side
from app_pages.mse_vs_bce.sections_why import knobs_section, toy_section
from ui.link import link_field, read_link, write_link
from ui.models import checkpoint_names, info
from vae.serve.query import read_name, read_whole

TABS = ("Side by side", "Blur, measured", "Why: the average", "σ, β and the notes' loss")
PAIRS = {"mnist": ("bce", "mse"), "fashion-mnist": ("fashion-bce", "fashion-mse")}  # (Bernoulli, Gaussian σ 0.1)


def read_tab(values) -> str | None:
    """`tab=K` in a link -> the label of tab K (1-4)."""
    k = read_whole(values, 1, len(TABS))
    return k and TABS[k - 1]


st.title("MSE vs BCE: why VAEs blur")
st.write(
    "Two VAEs with the same architecture, data and training, differing only in the decoder's likelihood: "
    "`bce` reads each pixel as a coin (Bernoulli), `mse` as a Gaussian with σ = 0.1, which makes its loss a "
    "squared error. Compare what they draw, measure how blurry it is, then see where the grey comes from: "
    "when nearby codes stand for images that disagree about a pixel, the best single output is their average. "
    "The same pair was trained on MNIST's digits and on Fashion-MNIST's clothes.")

share = read_link("mse_vs_bce", {"dataset": ("mse_vs_bce_dataset", partial(read_name, names=tuple(PAIRS))),
                                 "tab": ("mse_vs_bce_tab", read_tab),
                                 "digit": ("mse_vs_bce_index", partial(read_whole, lo=0, hi=9999))})
st.session_state.setdefault("mse_vs_bce_dataset", "mnist")
dataset = st.segmented_control("Dataset", tuple(PAIRS), key="mse_vs_bce_dataset", required=True,
                               format_func=lambda d: info(d).title) or "mnist"
names = [n for n in PAIRS[dataset] if n in checkpoint_names(dataset)]
if len(names) < 2:
    st.error(f"This page needs the shipped checkpoints {' and '.join(PAIRS[dataset])} in checkpoints/ (see the README).")
    st.stop()
# the view is known before the tabs run: widget values are in session state when a run starts
link_field(share, write_link({"dataset": dataset,
                              "tab": str(TABS.index(st.session_state.get("mse_vs_bce_tab") or TABS[0]) + 1),
                              "digit": str(st.session_state.get("mse_vs_bce_index", 0))}))
tabs = st.tabs(TABS, key="mse_vs_bce_tab", on_change="rerun")  # every tab still renders; the key holds the open one
with tabs[0]:
    side_by_side(names)
with tabs[1]:
    blur_section(names, PAIRS)
with tabs[2]:
    toy_section(names)
with tabs[3]:
    knobs_section(dataset)
