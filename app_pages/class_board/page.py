import streamlit as st

from app_pages.class_board import data
from app_pages.class_board.sections import closer_section, board_section, send_section, teacher_section
from ui.board import JOINED, sendable
from ui.board_store import board_db
from ui.link import link_field, read_link, write_link
from vae.serve.board import BoardInputError, read_class_code
from vae.serve.board_db import get_class
from vae.serve.query import QueryValueError, one_value


def read_code(values) -> str | None:
    value = one_value(values)
    try:
        return None if value is None else read_class_code(value)
    except BoardInputError as exc:
        raise QueryValueError(str(exc)) from None


st.title("Class board")
st.write(
    "A lab session as one experiment: each student trains a model with their own setting (another β, likelihood, "
    "latent size or number of epochs), sends it here under a name they choose, and the whole class's models land "
    "side by side on the teacher's screen, on the rate-distortion chart of the Latent size page. Each model is "
    "scored on the same 10,000 test images as the shipped ones, once, when it arrives.")
share = read_link("class_board", {"class": ("board_class", read_code)})
if "board_class_next" in st.session_state:  # the teacher just started a class: show it
    st.session_state["board_class"] = st.session_state.pop("board_class_next")
if not st.session_state.get("board_class") and st.session_state.get(JOINED):  # back from training
    st.session_state["board_class"] = st.session_state[JOINED]
code_col, note_col = st.columns([1, 3], vertical_alignment="bottom")
typed = code_col.text_input("Class code", key="board_class", max_chars=12, placeholder="from your teacher",
                            help="Your teacher's link opens this page with the code filled in.")
code = None
if typed:
    try:
        code = read_class_code(typed)
    except BoardInputError as exc:
        note_col.error(str(exc))
klass = get_class(board_db(), code) if code else None
if code and klass is None:
    note_col.error("There is no class with this code on this server: check it with your teacher.")
link_field(share, write_link({"class": code} if klass else {}))
if klass is None:
    teacher_section(None, [])
    st.stop()
st.session_state[JOINED] = code

# A student with a model to send finds the form first; the teacher's projected screen opens on the board.
own = sendable()
version = send_section(code, klass) if own else klass["version"]
if own:
    st.divider()
board_section(code, version)
rows = data.rows(code, version)
if rows:
    st.divider()
    closer_section(code, rows)
if not own:
    st.divider()
    send_section(code, klass)
st.divider()
teacher_section(code, rows)
