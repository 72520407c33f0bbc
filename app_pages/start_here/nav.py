"""Step navigation and presenter mode for the lesson. Every widget key starts with `start_here_`."""
import streamlit as st

from vae.datasets import DATASETS, Dataset
from vae.serve.query import read_whole

STEPS = ("1 · Autoencoder", "2 · Its weaknesses", "3 · Encode a distribution", "4 · The ELBO",
         "5 · Reparameterization", "6 · Why blurry")
STEP_KEY, PRESENTER_KEY, DATASET_KEY = "start_here_step", "start_here_presenter", "start_here_dataset"

# Presenter mode: larger text, widgets and metrics for a projector at 1920x1080. Scoped to this page's
# elements by Streamlit's data-testids; injected only while the toggle is on.
PRESENTER_CSS = """
<style>
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li {font-size: 1.6rem; line-height: 1.45;}
[data-testid="stMain"] h1 {font-size: 3.4rem;}
[data-testid="stMain"] h2 {font-size: 2.6rem;}
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] p {font-size: 3rem;}
[data-testid="stMain"] [data-testid="stMetricLabel"] p {font-size: 1.3rem;}
[data-testid="stMain"] [data-testid="stWidgetLabel"] p {font-size: 1.3rem;}
[data-testid="stMain"] [data-testid="stButton"] button p {font-size: 1.35rem;}
[data-testid="stMain"] .rp text {font-size: 24px;}
[data-testid="stMain"] [data-testid="stCode"] code {font-size: 1.15rem;}
[data-testid="stMain"] input {font-size: 1.3rem;}
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {font-size: 1.2rem;}
</style>
"""


def current_step() -> int:
    """Index of the step on screen; a cleared selection shows the first step."""
    label = st.session_state.get(STEP_KEY)
    return STEPS.index(label) if label in STEPS else 0


def read_step(values) -> str | None:
    """`step=K` in a link -> the label of step K (1-6)."""
    k = read_whole(values, 1, len(STEPS))
    return k and STEPS[k - 1]


def _move(delta: int):
    st.session_state[STEP_KEY] = STEPS[min(len(STEPS) - 1, max(0, current_step() + delta))]


def navigation() -> int:
    """Step picker and Previous/Next buttons (also PageUp/PageDown, which presentation clickers send)."""
    if STEP_KEY not in st.session_state:
        st.session_state[STEP_KEY] = STEPS[0]
    st.segmented_control("Step", STEPS, key=STEP_KEY, width="stretch")
    step = current_step()
    with st.container(horizontal=True):  # each button as wide as its label and key hint: none is cut short
        st.button("Previous", key="start_here_prev", on_click=_move, args=(-1,), disabled=step == 0,
                  icon=":material/arrow_back:", shortcut="PageUp")
        st.button("Next", key="start_here_next", on_click=_move, args=(1,), disabled=step == len(STEPS) - 1,
                  icon=":material/arrow_forward:", shortcut="PageDown", type="primary")
    return step


def presenter_mode() -> dict:
    """The toggle, and the sizes every figure of the lesson uses: larger while presenting."""
    on = st.toggle("Presenter mode", key=PRESENTER_KEY,
                   help="Larger text and figures, for projecting to a room.")
    if on:
        st.html(PRESENTER_CSS)
    return sizes(on)


def sizes(presenting: bool) -> dict:
    on = presenting
    return {"on": on, "height": 620 if on else 460, "font": 20 if on else 14, "grid": 420 if on else 300}


def lesson_dataset() -> Dataset:
    """The dataset the lesson's steps are shown on (a link may set it; MNIST by default)."""
    return DATASETS[st.session_state.get(DATASET_KEY) or "mnist"]


def dataset_choice(choices) -> Dataset:
    st.session_state.setdefault(DATASET_KEY, "mnist")
    st.segmented_control("Dataset", choices, key=DATASET_KEY, required=True,
                         format_func=lambda d: DATASETS[d].title, help="Steps 1, 2, 4, 5 and 6 work on either "
                         "dataset; step 3's β models were trained on MNIST.")
    return lesson_dataset()


def go_deeper(page: str, label: str):
    st.page_link(page, label=f"Go deeper: {label}", icon=":material/arrow_outward:")
