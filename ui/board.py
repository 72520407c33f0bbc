"""What a session may do on a class board: a student sends one of their own models and may withdraw it; a session
that typed the teacher key opens and closes submissions, removes entries and clears the board.

Every action checks its right here, on the server, whatever the page showed: a widget the page did not draw can
still be forged by a client, and it must change nothing. The teacher key comes from the environment
(VAE_TEACHER_KEY; server.py makes one and prints it when none is set)."""
import hmac
import os
import secrets
import time

import streamlit as st

from ui.board_store import board_db
from ui.models import images
from ui.session_models import LIVE, session_choices
from ui.training import checkpoint_of_runs, current, runs
from ui.upload import uploaded_checkpoints
from vae.serve import board_db as db
from vae.serve.board import BoardInputError, new_class_code, owner_of, read_display_name, submission
from vae.serve.board_db import BoardRefused

MAX_ENTRIES = 200  # per class: a large lecture, each student trying a couple of settings
GAP_S = 5.0  # between two submissions of one session
TEACHER = "board_teacher"  # session_state: True once this session typed the teacher key
TOKEN = "board_owner"  # session_state: this session's secret, whose hash marks its entries
LAST_SENT = "board_last_sent"  # session_state: time.monotonic() of its last submission
JOINED = "board_joined"  # session_state: the class this session last opened, for the Train page's link back


def teacher_key() -> str | None:
    return os.environ.get("VAE_TEACHER_KEY") or None


def unlock(typed: str) -> bool:
    """True, and remembered for this session, if `typed` is the teacher key (compared in constant time)."""
    key = teacher_key()
    ok = key is not None and isinstance(typed, str) and hmac.compare_digest(typed.strip().encode(), key.encode())
    if ok:
        st.session_state[TEACHER] = True
    return ok


def is_teacher() -> bool:
    return st.session_state.get(TEACHER) is True and teacher_key() is not None


def owner() -> str:
    return owner_of(st.session_state.setdefault(TOKEN, secrets.token_hex(16)))


def sendable() -> list[str]:
    """This session's own models that can go to a board: a run that has ended, and uploaded checkpoints."""
    return [label for label in session_choices() if label != LIVE or not current().running]


def send(code: str, label: str, name: str) -> int:
    """Score the session's model `label` and add it to class `code`'s board; returns its id.
    BoardInputError or BoardRefused (one line each) when it cannot be taken."""
    name = read_display_name(name)
    if label not in sendable():
        raise BoardInputError("choose one of your own models: a training that has ended, or an uploaded checkpoint.")
    wait = GAP_S - (time.monotonic() - st.session_state.get(LAST_SENT, -1e9))
    if wait > 0:
        raise BoardRefused(f"one model every {GAP_S:.0f} s: try again in {wait:.0f} s.")
    st.session_state[LAST_SENT] = time.monotonic()
    if label == LIVE:
        ckpt, source = checkpoint_of_runs(runs(), images(current().cfg.dataset).sha256), current().where
    else:
        ckpt, source = uploaded_checkpoints()[label], "upload"
    entry = submission(ckpt, images(ckpt.train_config.dataset), name, owner(), source)
    return db.add_entry(board_db(), code, entry, MAX_ENTRIES)


def withdraw(code: str, entry_id: int) -> bool:
    """Remove one of this session's own entries; False if it is not one (or is gone already)."""
    return db.remove_entry(board_db(), code, int(entry_id), owner=owner())


def _teacher_only():
    if not is_teacher():
        raise BoardRefused("only the teacher can do that: type the teacher key first.")


def new_class() -> str:
    _teacher_only()
    for _ in range(5):  # 31^6 codes: a clash is rare, and then another is drawn
        code = new_class_code()
        try:
            db.create_class(board_db(), code)
            return code
        except BoardRefused:
            continue
    raise BoardRefused("could not find a free class code; try again.")


def set_open(code: str, is_open: bool) -> None:
    _teacher_only()
    db.set_open(board_db(), code, is_open)


def remove(code: str, entry_id: int) -> bool:
    _teacher_only()
    return db.remove_entry(board_db(), code, int(entry_id))


def clear(code: str) -> int:
    _teacher_only()
    return db.clear_class(board_db(), code)
