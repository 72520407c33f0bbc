"""Your own checkpoint, opened from the sidebar of every page, for this browser tab only.

An uploaded file is untrusted: vae.serve.checkpoint parses it without unpickling anything and checks every tensor
against the model its config describes. What it yields lives in st.session_state, so no other session sees it
(st.cache_resource would share it with every user), and the bytes are never written to disk.
"""
import hashlib
import logging
import re

import streamlit as st

from vae.serve.checkpoint import MAX_BYTES, Checkpoint, CheckpointError, load_checkpoint
from vae.datasets import DATASETS, SHIPPED

KEEP = 3  # checkpoints held per session, oldest dropped first: a class of thirty shares one server's memory
STORE = "ckpt_uploads"  # session state: sha256 of the file -> (label, Checkpoint), oldest first
LAST = "ckpt_upload_last"  # session state: (file_id, "success" | "error", message) of the file last handled

LOG = logging.getLogger(__name__)


def size_text(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} kB"


def too_large(n: int) -> str:
    return f"This file is {size_text(n)}; checkpoints of this app are at most {size_text(MAX_BYTES)}."


def read_upload(data: bytes) -> Checkpoint:
    """The file's bytes -> a read-only checkpoint, or CheckpointError saying in plain words why not."""
    if len(data) > MAX_BYTES:
        raise CheckpointError(too_large(len(data)))
    ckpt = load_checkpoint(data)
    if ckpt.train_config.dataset not in SHIPPED:  # readable, but this app has no images to show it with
        raise CheckpointError(f"it was trained on {DATASETS[ckpt.train_config.dataset].title}, and this app holds "
                              f"the test images of {' and '.join(DATASETS[d].title for d in SHIPPED)} only.")
    ckpt.model.eval()
    for p in ckpt.model.parameters():
        p.requires_grad_(False)  # read-only, like the shipped models: no page may train it in place
    return ckpt


def display_name(filename: str) -> str:
    """A browser sends any name it likes; keep letters, digits, '.', '-' and '_' of its last part, briefly.
    Always a label of 1-40 such characters, whatever it is given (only its last 1,000 characters are read)."""
    stem = re.split(r"[\\/]", str(filename)[-1000:])[-1]
    if stem.lower().endswith(".safetensors"):
        stem = stem[:-len(".safetensors")]
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._-")[:40]
    return stem or "checkpoint"


def uploaded_checkpoints() -> dict[str, Checkpoint]:
    """This session's uploaded checkpoints, label -> Checkpoint, oldest first."""
    return dict(st.session_state.get(STORE, {}).values())


def _keep(sha: str, filename: str, ckpt: Checkpoint) -> str:
    """Store a new checkpoint under a label no other upload of this session holds; returns the label."""
    store = st.session_state.setdefault(STORE, {})
    while len(store) >= KEEP:
        del store[next(iter(store))]
    taken = {label for label, _ in store.values()}
    base = label = f"uploaded: {display_name(filename)}"
    n = 2
    while label in taken:
        label, n = f"{base} ({n})", n + 1
    store[sha] = (label, ckpt)
    return label


def _handle(uploaded) -> tuple[str, str]:
    """A file the uploader has not seen yet -> ("success" | "error", message)."""
    if uploaded.size > MAX_BYTES:  # refused before its bytes are copied out of the upload
        return "error", too_large(uploaded.size)
    data = uploaded.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    store = st.session_state.setdefault(STORE, {})
    if sha in store:  # the same file again: nothing to parse
        store[sha] = store.pop(sha)
        label = store[sha][0]
    else:
        try:
            label = _keep(sha, uploaded.name, read_upload(data))
        except CheckpointError as exc:
            return "error", f"`{display_name(uploaded.name)}` was refused: {exc}"
    config = store[sha][1].config
    if config.conditional and config.latent_dim != 2:  # Class and style draws a plane: a 2-D z
        return "success", (f"Opened as `{label}`, a conditional model with {config.latent_dim} latent dimensions: "
                           "no page shows one yet (Class and style shows conditional models of two).")
    where = ("the checkpoint picker of the page [Class and style](class_style) (it is a conditional model)"
             if config.conditional else "the checkpoint pickers")
    return "success", f"Opened as `{label}`. It is now in {where} of this browser tab only; nobody else sees it."


def upload_sidebar():
    """The uploader and its message, in the sidebar of every page (app.py calls this before the page runs).
    Whatever goes wrong in here is shown here: the page below it still renders."""
    with st.sidebar:
        try:
            _uploader()
        except Exception:  # a bug, not a bad file (readers raise CheckpointError): keep the page, say so, log it
            LOG.exception("the sidebar upload failed")
            st.error("Opening this file failed in a way the app did not expect; it was ignored. Remove it from the "
                     "uploader and try another. The page itself is not affected.")


def _uploader():
    uploaded = st.file_uploader("Open your own checkpoint (.safetensors)", type=["safetensors"],
                                key="ckpt_upload", max_upload_size=-(-MAX_BYTES // 2**20))
    st.caption(f"A checkpoint saved by this app (its Train page or `python -m vae.train`), at most "
               f"{size_text(MAX_BYTES)}. Pickles and torch.save files are refused without being opened.")
    if uploaded is None:
        held = list(uploaded_checkpoints())
        if held:
            st.caption("In this tab's checkpoint pickers: " + ", ".join(f"`{label}`" for label in held))
        return
    last = st.session_state.get(LAST)
    if last is None or last[0] != uploaded.file_id:  # a rerun with the same file does no work
        last = (uploaded.file_id, *_handle(uploaded))
        st.session_state[LAST] = last
    _, kind, message = last
    (st.success if kind == "success" else st.error)(message)
