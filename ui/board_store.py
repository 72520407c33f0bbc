"""The class board's database, one handle per server process shared by every session, and the board's entries as
models any page can open by name, "class:<code>:<id>", beside the shipped checkpoints: the link the board gives
("open #12 on the explorer") opens that model for whoever follows it.

The database is SQLite in data/class-board.sqlite3 unless VAE_BOARD_DB names another file or a postgresql:// URL
(replicas on several machines must share one PostgreSQL)."""
import os
import re

import streamlit as st

from vae.data import DATA_DIR
from vae.serve.board import entry_checkpoint
from vae.serve.board_db import Database, entry_weights, open_database
from vae.serve.checkpoint import (CHECKPOINT_DIR, Checkpoint, CheckpointError, checkpoint_path, list_checkpoints,
                                  load_checkpoint)
from vae.serve.query import QueryValueError, one_value
from vae.serve.untrusted import reader

ENTRY_RE = re.compile(r"class:([a-z0-9]{4,12}):([0-9]{1,9})")
OPENED = "board_opened"  # session_state: entry names this session opened, newest last
KEEP_OPENED = 5


def board_url() -> str:
    return os.environ.get("VAE_BOARD_DB") or str(DATA_DIR / "class-board.sqlite3")


@st.cache_resource(show_spinner=False)
def board_db() -> Database:
    """Created (or migrated) on first use; every session of this process shares its connections."""
    return open_database(board_url())


def entry_name(code: str, entry_id: int) -> str:
    return f"class:{code}:{entry_id}"


def parse_entry(name: str) -> tuple[str, int] | None:
    """(class code, entry id) of a board entry's name, or None for any other name."""
    found = ENTRY_RE.fullmatch(str(name))
    return (found[1], int(found[2])) if found else None


def is_entry(name: str) -> bool:
    return parse_entry(name) is not None


def title(name: str) -> str:
    """How a picker lists a model: a board entry by its class and number, anything else by its own name."""
    found = ENTRY_RE.fullmatch(str(name))
    return f"class {found[1]}, model #{found[2]}" if found else name


@st.cache_resource(show_spinner="Loading the model from the class board...", max_entries=32)
def board_checkpoint(name: str) -> Checkpoint:
    """An entry's model, read-only like the shipped ones. An entry never changes once stored, and its id is never
    given to another, so its name alone keys the cache. FileNotFoundError if it is not (or no longer) there."""
    code, entry_id = parse_entry(name)
    blob = entry_weights(board_db(), code, entry_id)
    if blob is None:
        raise FileNotFoundError(f"no entry #{entry_id} on the board of class {code}")
    ckpt = entry_checkpoint(blob)
    for p in ckpt.model.parameters():
        p.requires_grad_(False)
    return ckpt


def opened_entries(keep=lambda ckpt: True, conditional: bool = False) -> list[str]:
    """The board entries this session opened (from the board or a link), newest first, that `keep` accepts;
    conditional models only when asked for (as ui.models.checkpoint_names)."""
    kept = []
    for name in reversed(st.session_state.get(OPENED, [])):
        try:
            ckpt = board_checkpoint(name)
            if keep(ckpt) and ckpt.config.conditional == conditional:
                kept.append(name)
        except FileNotFoundError:  # removed by the teacher before this session first drew it
            continue
    return kept


def open_entry(name: str) -> None:
    opened = [n for n in st.session_state.get(OPENED, []) if n != name] + [name]
    st.session_state[OPENED] = opened[-KEEP_OPENED:]


CONDITIONAL_ELSEWHERE = "it names a conditional model, which the page [Class and style](class_style) shows."


def _conditional_file(name: str) -> bool:
    """Whether `name` is a checkpoint in checkpoints/ of a conditional model (read only for a name a page refused)."""
    if name not in list_checkpoints(CHECKPOINT_DIR):
        return False
    try:
        return load_checkpoint(checkpoint_path(name)).config.conditional
    except (CheckpointError, OSError):
        return False


@reader(QueryValueError, "a value in the link")
def read_model(values, names, keep=lambda ckpt: True, conditional: bool = False) -> str | None:
    """One of `names`, or a board entry that exists and that `keep` accepts (then opened for this session). A
    conditional model is refused on every page but the one that shows them (`conditional`), with a link there."""
    value = one_value(values)
    if value is None or value in names:
        return value
    if not is_entry(value):
        if not conditional and _conditional_file(value):
            raise QueryValueError(CONDITIONAL_ELSEWHERE)
        raise QueryValueError("there is no such choice on this page.")
    try:
        ckpt = board_checkpoint(value)
    except FileNotFoundError:
        raise QueryValueError("that model is not (or no longer) on its class board.") from None
    if ckpt.config.conditional and not conditional:
        raise QueryValueError(CONDITIONAL_ELSEWHERE)
    if not keep(ckpt) or ckpt.config.conditional != conditional:
        raise QueryValueError("that model of the class board cannot be shown on this page.")
    open_entry(value)
    return value
