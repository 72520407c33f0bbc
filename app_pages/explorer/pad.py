"""A drawing pad for the explorer page: the user's strokes come back as grey levels on a 56x56 grid."""
from pathlib import Path

import numpy as np
import streamlit as st

ASSETS = Path(__file__).resolve().parent / "assets"
RENDER = st.components.v2.component("vae_digit_pad", js=(ASSETS / "pad.js").read_text(),
                                    css=(ASSETS / "pad.css").read_text())
SIDE = 56


def _drawn():
    """Nothing to do: the page reads the ink on the rerun this change starts."""


def ink_array(ink) -> np.ndarray | None:
    """The pad's value as (56, 56) grey levels in [0, 1], or None if the pad is empty or the value is malformed."""
    if not isinstance(ink, list) or len(ink) != SIDE * SIDE:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in ink):
        return None
    ink = np.clip(np.nan_to_num(np.asarray(ink, dtype=np.float32).reshape(SIDE, SIDE)), 0, 1)
    return ink if ink.max() > 0 else None


def digit_pad(key: str) -> None:
    """Mount the pad; its strokes arrive in st.session_state[key]["ink"] on the rerun they start."""
    RENDER(key=key, default={"ink": None}, on_ink_change=_drawn, height=230)
