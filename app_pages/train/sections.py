"""What the training page shows of this session's runs: progress, live curves, latent frames, saving."""
from functools import partial

import streamlit as st

from app_pages.train.live_chart import live_curves, live_dims, live_map
from ui.board import JOINED
from ui.models import images, info
from ui.navigation import script
from app_pages.train.figures import curves_figure, dims_note, frame_figure
from ui.training import checkpoint_file, current, runs, save
from vae.serve.checkpoint import CheckpointError
from vae.serve.metric_log import Rows
from vae.serve.slots import eta
from vae.serve.worker import FRAME_DIGITS


def _merged():
    """Every run of this session's model as one history, a resumed run's steps shifted to follow the earlier ones."""
    if len(runs()) == 1:  # the usual case: nothing to shift, no copies
        snap = runs()[0].snapshot()
        return snap["steps"], snap["epochs"], snap["frames"], snap
    steps, epochs, frames, offset = [], [], [], 0
    for worker in runs():
        snap = worker.snapshot()
        steps.append(snap["steps"].shifted("step", offset))
        epochs += [{**m, "step": m["step"] + offset} for m in snap["epochs"]]
        frames += [{**f, "step": f["step"] + offset} for f in snap["frames"]]
        offset = int(steps[-1].column("step")[-1]) if len(steps[-1]) else offset
    return Rows.concat(steps), epochs, frames, snap


def _progress(snap):
    steps = snap["steps"]
    if not steps:
        st.progress(0.0, text="starting...")
        return
    last = steps[-1]
    left = eta(steps)
    text = (f"epoch {last['epoch']:.2f} of {current().cfg.epochs} · {last['samples_per_s']:,.0f} samples/s"
            + (f" · about {left:.0f} s left" if snap["running"] else ""))
    st.progress(min(1.0, last["step"] / last["total_steps"]), text=text)


def _status(snap):
    _progress(snap)
    if snap["end"] is not None:
        kind = snap["end"]["kind"]
        message = {"done": st.success, "stopped": st.info}.get(kind, st.error)
        message(f"Training {kind}: {snap['end']['reason']}")


def _curves(steps, epochs):
    st.plotly_chart(curves_figure(steps, epochs, _unit()), key="train_curves")


def _dims(steps, epochs, key: str):
    """For a model of more than two dimensions, each one's KL: a class watches dimensions switch off, or stay on."""
    if current().model.config.latent_dim > 2 and current().model.config.variational:
        live_dims(steps, epochs, current().cfg.free_bits, key=key)


def _unit():
    return "notes' scale" if current().model.config.likelihood == "notes" else "nats per image"


@st.fragment(run_every="0.5s")
def live_panel():
    """Curves and progress redrawn twice a second while training (on a light canvas); a full rerun when it ends."""
    steps, epochs, _, snap = _merged()
    _status(snap)
    live_curves(steps, epochs, _unit(), key="train_live_curves")
    _dims(steps, epochs, "train_live_dims")
    if not snap["running"]:
        st.rerun(scope="app")


@st.fragment(run_every="2s")
def live_frame():
    """The newest latent map; it changes four times an epoch, so a slower poll keeps the server light."""
    frames = _merged()[2]
    if frames:  # the worker sends its first map a moment after it starts; until then there is nothing to draw
        live_map(frames[-1], _labels(), key="train_live_map", classes=_dataset().classes)


def _dataset():
    return info(current().cfg.dataset)


def _labels():
    return images(current().cfg.dataset).y_test[:FRAME_DIGITS].numpy()


def replay_frames(frames):
    labels, named = _labels(), {"classes": _dataset().classes, "item": _dataset().item}
    if len(frames) < 2:
        if frames:  # none at all when the run failed before its first map
            st.plotly_chart(frame_figure(frames[-1], labels, **named), key="train_frame_live")
        return
    pick = st.slider("Latent map after step", 0, len(frames) - 1, len(frames) - 1, key="train_frame_pick",
                     help="Step through the maps recorded during training: the clusters form, then the "
                          "KL term pulls them towards the standard normal prior.")
    st.plotly_chart(frame_figure(frames[pick], labels, **named), key="train_frame_replay")
    if dims_note(frames[pick]):
        st.caption(dims_note(frames[pick]))


@st.fragment
def idle_panel():
    steps, epochs, frames, snap = _merged()
    _status(snap)
    curves, frame_col = st.columns([3, 2], gap="medium")
    with curves:
        _curves(steps, epochs)
        _dims(steps, epochs, "train_dims")
    with frame_col:
        replay_frames(frames)
    save_section()


def save_section():
    """Save the session's model as a checkpoint on the server (every page lists it at once), or download its file."""
    st.subheader("Save this model")
    name_col, button_col, download_col = st.columns([3, 1, 1], vertical_alignment="bottom")
    name = name_col.text_input("Name (letters, digits, - and _)", key="train_save_name", max_chars=64)
    if button_col.button("Save", key="train_save"):
        try:
            saved = save(name)
            st.success(f"Saved as checkpoints/{saved}.safetensors: it is now in every page's checkpoint list.")
        except CheckpointError as exc:
            st.error(f"Not saved: {exc}")
    cfg = current().cfg
    download_col.download_button(
        "Download", partial(checkpoint_file, list(runs()), images(cfg.dataset).sha256),
        file_name=f"{(name.strip() or 'my-vae')[:64]}.safetensors", mime="application/octet-stream",
        key="train_download", on_click="ignore", icon=":material/download:",
        help="The .safetensors file, to keep or to open again later from the sidebar of any page.")
    joined = st.session_state.get(JOINED)
    st.page_link(script("class_board"), label="Send it to your class's board" if joined else "Send it to a class board",
                 icon=":material/groups:", query_params={"class": joined} if joined else None)
