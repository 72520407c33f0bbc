"""Models that belong to one browser session, offered in the pickers before the shipped checkpoints: the run this
session is training (its weights as they are now) and the checkpoints it uploaded. They live in session state
only, so another session never sees them, and nothing here goes through a cache shared between sessions."""
import streamlit as st

from ui.models import encode
from ui.training import current, live_model
from ui.upload import uploaded_checkpoints
from vae.model import VAE

LIVE = "my training run (live)"
ENCODINGS = "session_encodings"  # session_state key: {(label, id(model)): encoding} for uploaded models


def session_choices(latent_dim: int | None = None, conditional: bool = False) -> list[str]:
    """This session's own models, optionally only those with the given latent size; conditional ones only when asked
    for (as ui.models.checkpoint_names)."""
    live = current() is not None and current().has_weights  # a browser run reopened after a reload waits for them
    labels = ([LIVE] if live else []) + list(uploaded_checkpoints())
    return [label for label in labels if (latent_dim is None or _config(label).latent_dim == latent_dim)
            and _config(label).conditional == conditional]


def live_caption() -> str:
    """What "my training run (live)" is, said under its picker."""
    run = current()
    where = ("in your browser; its weights come back at the end of each epoch" if run.where == "browser"
             else "on the server")
    still = f" It is still training ({where}); the button loads its newest weights." if run.running else ""
    return f"This session's training run, as it was at step {run.last_step()}.{still}"


def _config(label: str):
    return current().model.config if label == LIVE else uploaded_checkpoints()[label].config


def session_model(label: str) -> VAE:
    return live_model() if label == LIVE else uploaded_checkpoints()[label].model


def dataset_of(label: str) -> str:
    """The dataset this session's model `label` was trained on."""
    return (current().cfg if label == LIVE else uploaded_checkpoints()[label].train_config).dataset


def session_encoding(label: str, model: VAE) -> dict:
    """The test set encoded by `model`, this session's model called `label`: kept for an upload (its weights never
    change), recomputed for the live run (they change at every step)."""
    if label == LIVE:
        return encode(model, dataset_of(label))
    memo = st.session_state.setdefault(ENCODINGS, {})
    key = (label, id(model))
    if key not in memo:
        memo.clear()  # one upload's encoding at a time bounds the memory a session holds
        memo[key] = encode(model, dataset_of(label))
    return memo[key]
