"""The ELBO lab's random digits, drawn from a pool the whole server shares (vae/serve/shared_draws.py). The pool's
digits are computed under the page's first model when the server starts (warm.py), and the pool grows while the
server is idle, so a room pressing "Random digit" together finds every digit already in the caches."""
import streamlit as st

from app_pages.elbo_lab.data import compute_ahead, shipped
from vae.serve.shared_draws import SharedDraws

POOL_MOST = 64  # a quarter of what each of data.py's caches keeps: the rest is for the digits students type
AT_START = 16  # about 0.16 s each on an idle machine, before the server answers


@st.cache_resource(show_spinner=False)
def shared_draws() -> SharedDraws:
    return SharedDraws(10_000, POOL_MOST)


def grow() -> None:
    """One digit more for the pool, its numbers under the page's first model computed first (with the seeds a
    session starts with)."""
    draws = shared_draws()
    index = draws.fresh()
    compute_ahead(shipped()[0], index, 0, 0)
    draws.add(index)


def next_random(seen) -> int:
    """The digit this session's "Random digit" opens next: one of the pool's it has not seen, else any."""
    return shared_draws().draw(seen)
