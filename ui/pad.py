"""A drawing pad (the explorer's and Class and style's): the user's strokes come back as grey levels on a 56x56 grid."""
from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent / "assets"
RENDER = st.components.v2.component("vae_digit_pad", js=(ASSETS / "pad.js").read_text(),
                                    css=(ASSETS / "pad.css").read_text())
SIDE = 56  # the pad's grid; vae.serve.browser_values.read_ink reads it


def _drawn():
    """Nothing to do: the page reads the ink on the rerun this change starts."""


def digit_pad(key: str) -> None:
    """Mount the pad; its strokes arrive in st.session_state[key]["ink"] on the rerun they start."""
    RENDER(key=key, default={"ink": None}, on_ink_change=_drawn, height=230)
