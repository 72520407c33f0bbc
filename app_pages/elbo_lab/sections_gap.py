"""The ELBO lab's gap section for a 2-D model: where log p(x) - ELBO goes, for the chosen digit (fitted on request, so
a new digit costs nothing more until asked) and averaged over test digits for every shipped 2-D model (computed
ahead by scripts/gap_table.py)."""
import functools

import numpy as np
import streamlit as st

from app_pages.elbo_lab.data import decomposition
from app_pages.elbo_lab.figures_gap import gap_bar, three_q_figure
from app_pages.elbo_lab.sections import show_source
from ui.ahead import work_ahead
from ui.chart import chart
from ui.models import checkpoint, images, listing, scored_image, stamp
from ui.shared_figure import shared_elements
from vae.gap import fit, newton, split
from vae.serve.gap_table import GAP_FILE, current, read_table

FIT_KEY = "elbo_lab_gap_fit"
EXPLAINED = (
    "The gap log p(x) − ELBO has two causes (Cremer, Li & Duvenaud 2018). Fit a Gaussian q* to one digit alone, "
    "maximising its own ELBO: the **amortization gap** ELBO(q*) − ELBO(encoder) is what the encoder loses by being "
    "one network for every digit; the **approximation gap** log p(x) − ELBO(q*) is what no Gaussian of the encoder's "
    "family (diagonal) can recover. A full-covariance q* splits the latter once more.")
ORDER = (r"\log p(x) \;\ge\; \mathrm{ELBO}(q^*_{\text{full}}) \;\ge\; \mathrm{ELBO}(q^*_{\text{diag}})"
         r" \;\ge\; \mathrm{ELBO}(q_{\text{encoder}})")


@st.cache_data(max_entries=256, show_spinner=False)
def _split(name: str, file_stamp: float, index: int) -> dict:
    dec = decomposition(name, index)  # section 1's quadrature, already cached
    out = split(checkpoint(name).model, scored_image(name, index)[None], log_px=[dec["log_px"]],
                posteriors=[(dec["axes"], dec["log_posterior"])])
    return {k: v[0] for k, v in out.items()}


def digit_split(name: str, index: int) -> dict:
    return _split(name, stamp(name), index)


@st.cache_data(show_spinner=False)
def _table(file_stamp: float, names: tuple) -> list[dict]:
    rows, table = [], read_table()
    for name in names:
        entry, ckpt = table.get(name), checkpoint(name)
        if entry is None or not current(entry, ckpt.model, images(ckpt.train_config.dataset).sha256):
            continue
        m, se = entry["mean"], entry["se"]
        c = ckpt.config
        total = m["amortization"] + m["approximation"]
        rows.append({"checkpoint": name, "gap": round(total, 3),  # the split first: on a phone it is what shows
                     "amortization": f"{m['amortization']:.3f} ± {se['amortization']:.3f}",
                     "approximation": f"{m['approximation']:.3f} ± {se['approximation']:.3f}",
                     "encoder's share": f"{m['amortization'] / max(total, 1e-9):.0%}",
                     "amortization, median": round(float(np.median(entry["per_image"]["amortization"])), 3),
                     "of which diagonal": round(m["diagonal"], 3), "of which Gaussian": round(m["gaussian"], 3),
                     "likelihood": "Bernoulli" if c.likelihood == "bce" else f"Gaussian σ = {c.sigma:g}",
                     "β": c.beta, "data": ckpt.train_config.dataset, "digits": entry["images"],
                     "log p(x)": round(m["log_px"], 2)})
    return sorted(rows, key=lambda r: (r["data"], r["likelihood"], r["β"], r["checkpoint"]))


def table_rows(names) -> list[dict]:
    return _table(GAP_FILE.stat().st_mtime if GAP_FILE.exists() else 0.0, tuple(names))


def gap_section(name: str, index: int):
    """Off, a single toggle: a new digit redraws nothing more than that (bench/elbo_lab_speed.py); on, the fits.
    Not a fragment of its own: the toggle reruns the digit's sections, whose link (above it) carries fit=1."""
    if not st.toggle("1b · Where does this digit's ELBO lose? Fit q* to it", key=FIT_KEY,
                     help="Two Newton fits on this digit, a fraction of a second; section 4b explains."):
        return
    st.header("1b · Where the ELBO loses: the encoder, or the Gaussian?")
    st.write(EXPLAINED)
    st.latex(ORDER)
    digit_part(name, index)
    digits = [st.session_state.get("elbo_lab_next_random", index)] + [i for i in (index + 1, index - 1) if 0 <= i <= 9999]
    work_ahead().wish([(("elbo_lab_gap", name, i), functools.partial(digit_split, name, i)) for i in digits])


def gap_table_section(names: list[str]):
    """The split averaged over test digits for every 2-D model: outside the digit's fragment, drawn once a page, and
    the same for everyone until the table's file or a checkpoint changes (ui/shared_figure.shared_elements)."""
    shared_elements(_gap_table, tuple(names), key=(GAP_FILE.stat().st_mtime if GAP_FILE.exists() else 0.0, listing()))
    show_source(split, fit, newton)


def _gap_table(names: tuple):
    rows = table_rows(names)
    st.header("4b · Where the ELBO loses, model by model")
    st.write(EXPLAINED)
    st.latex(ORDER)
    st.write("Below, this split for every shipped 2-D model, averaged over its first test images: which part of the "
             "gap is the encoder's fault, and how that changes with β and with the decoder's likelihood. For the "
             "digit above, turn on section 1b.")
    if rows:
        with st.container(key="elbo_lab_gap_models"):
            st.dataframe(rows, hide_index=True, key="elbo_lab_gap_table")
        st.caption("Means over each model's first test images (the digits column; as the model is scored: "
                   "bce-binarized on binarized digits), in nats, ± the standard error of the mean over those images. "
                   "The amortization gap is heavy-tailed (a few digits whose encoder's q sits in the wrong mode of the "
                   "posterior lose tens of nats), so its median is shown too. Computed ahead by `python "
                   "scripts/gap_table.py`; each image's terms exact by quadrature to about 1e-3 nats.")
    else:
        st.caption("No averages for these models: run `python scripts/gap_table.py`.")


def digit_part(name: str, index: int):
    with st.spinner("Fitting q* to this digit..."):
        s = digit_split(name, index)
    fig_col, num_col = st.columns([3, 2], gap="large")
    with fig_col:
        chart(three_q_figure(decomposition(name, index), s, f"{name}/{index}"), key="elbo_lab_gap_chart")
    with num_col:
        st.metric("log p(x), quadrature", f"{s['log_px']:.3f} nats")
        st.metric("ELBO, full-covariance q*", f"{s['elbo_full']:.3f} nats")
        st.metric("ELBO, diagonal q*", f"{s['elbo_diag']:.3f} nats")
        st.metric("ELBO, encoder's q", f"{s['elbo_encoder']:.3f} nats")
    with st.container(key="elbo_lab_gap_bar_box"):
        st.plotly_chart(gap_bar(s), key="elbo_lab_gap_bar", config={"displayModeBar": False})
    total = s["amortization"] + s["approximation"]
    st.caption(f"Gap {total:.3f} nats: amortization {s['amortization']:.3f} ({s['amortization'] / max(total, 1e-9):.0%}), "
               f"approximation {s['approximation']:.3f} (diagonal {s['diagonal']:.3f}, any Gaussian "
               f"{s['gaussian']:.3f}). Each ELBO on a 64 × 64 grid in q's own frame (within 1e-3 nats of 256 × 256) "
               "plus the closed-form KL; log p(x) by the grid of section 1 (made finer over q*'s box where q* found mass that "
               "grid missed: a mode narrower than its first cells). q* by Newton's method, deterministic.")
