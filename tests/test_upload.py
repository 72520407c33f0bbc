"""Checkpoint upload (ui/upload.py): hostile files refused with a clear message, a good one kept for its session."""
import io
import json
import pickle
import re
import struct
from hashlib import sha256
from types import SimpleNamespace

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ui import upload
from ui.upload import display_name, read_upload
from vae.serve.checkpoint import CHECKPOINT_DIR, MAX_BYTES, CheckpointError, load_checkpoint

BCE = (CHECKPOINT_DIR / "bce.safetensors").read_bytes()


class CreatesFile:
    """Unpickling this object would create a file: proof that a loader ran code."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def with_weights(mutate=None, **meta) -> bytes:
    """bce's weights changed by mutate(state_dict), saved with bce's metadata updated by `meta`."""
    with safe_open(CHECKPOINT_DIR / "bce.safetensors", "pt") as f:
        metadata = {**f.metadata(), **meta}
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if mutate:
        mutate(tensors)
    return st_save(tensors, metadata=metadata)


def hostile(target) -> dict:
    """name -> (file, words its refusal must contain). `target` is the file a pickle would create if run."""
    zipped = io.BytesIO()
    torch.save(load_checkpoint(BCE).model.state_dict(), zipped)
    return {
        "pickle": (pickle.dumps({"weights": CreatesFile(str(target))}), "pickle, which can run code"),
        "old-pickle": (pickle.dumps(CreatesFile(str(target)), protocol=0), "not a safetensors file"),
        "torch-zip": (zipped.getvalue(), "save_file(torch.load(path, weights_only=True)"),
        "half": (BCE[:len(BCE) // 2], "the file is truncated"),
        "long-header": (struct.pack("<Q", 10 * len(BCE)) + BCE[8:], f"claims a {10 * len(BCE)}-byte header"),
        "wrong-keys": (with_weights(lambda t: t.update(extra=t.pop("decoder.6.bias"))),
                       "missing ['decoder.6.bias'], unexpected ['extra']"),
        "wrong-shape": (with_weights(lambda t: t.update({"decoder.6.bias": torch.zeros(100)})),
                        "decoder.6.bias is torch.float32 (100,); the model needs torch.float32 (784,)"),
        "nan": (with_weights(lambda t: t["encoder.0.weight"].__setitem__((0, 0), float("nan"))), "NaN"),
        # a config of 10^9 hidden units would ask for terabytes if the model were built before the shape check
        "huge-config": (with_weights(config=json.dumps({"encoder_hidden": [10**9, 48]})), "from 1 to 8192"),
        "deep-config": (with_weights(config=json.dumps({"encoder_hidden": [8] * 100})), "1 to 32 layer sizes"),
        "no-encoder": (with_weights(config=json.dumps({"encoder_hidden": []})), "1 to 32 layer sizes"),
        "half-units": (with_weights(config=json.dumps({"head_hidden": 2.5})), "whole number"),
        "text-metrics": (with_weights(metrics='{"test_loss": "low"}'), "metrics must be a JSON object of finite numbers"),
        "not-ours": (st_save({"w": torch.zeros(3)}), "no 'vae-dashboard/1' metadata"),
    }


NAMES = list(hostile("unused"))


@pytest.mark.parametrize("name", NAMES)
def test_hostile_files_are_refused_with_a_clear_message(tmp_path, name):
    data, words = hostile(tmp_path / "pwned")[name]
    with pytest.raises(CheckpointError, match=re.escape(words)):
        read_upload(data)
    assert not (tmp_path / "pwned").exists()


def test_the_real_size_limit_refuses_before_parsing(monkeypatch):
    monkeypatch.setattr(upload, "load_checkpoint", lambda data: pytest.fail("an oversized file was parsed"))
    with pytest.raises(CheckpointError, match="at most 20 MB"):
        read_upload(bytes(MAX_BYTES + 1))


def test_display_names_are_sanitised():
    assert display_name("../../etc/<img src=x>`y`.safetensors") == "img_src_x_y"
    assert display_name("C:\\Users\\me\\my model.safetensors") == "my_model"
    assert display_name("....safetensors") == "checkpoint" and len(display_name("a" * 500)) == 40


def sidebar_script():
    import streamlit as st

    from ui.upload import upload_sidebar, uploaded_checkpoints
    upload_sidebar()
    st.text(" | ".join(uploaded_checkpoints()))  # what a page's checkpoint picker would offer


def session() -> AppTest:
    return AppTest.from_function(sidebar_script, default_timeout=60).run()


def send(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="ckpt_upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception
    return at


def test_the_app_shows_the_uploader_in_its_sidebar():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.sidebar.file_uploader[0].label == "Open your own checkpoint (.safetensors)"
    assert "at most 20 MB" in at.sidebar.caption[0].value


def test_each_hostile_upload_gets_its_message_and_the_session_goes_on(tmp_path):
    at = session()
    for name, (data, words) in hostile(tmp_path / "pwned").items():
        send(at, f"{name}.safetensors", data)
        assert words in at.sidebar.error[0].value and not at.sidebar.success, name
        assert at.text[0].value == ""
    assert not (tmp_path / "pwned").exists()
    send(at, "mine.safetensors", BCE)
    assert not at.sidebar.error and "`uploaded: mine`" in at.sidebar.success[0].value
    assert at.text[0].value == "uploaded: mine"


def test_an_upload_belongs_to_its_own_session_only():
    first, second = send(session(), "mine.safetensors", BCE), session()
    assert "this browser tab only" in first.sidebar.success[0].value
    assert first.text[0].value == "uploaded: mine" and second.text[0].value == ""
    (label, ckpt), = first.session_state[upload.STORE].values()
    assert not ckpt.model.training and not any(p.requires_grad for p in ckpt.model.parameters())
    expected = load_checkpoint(BCE).model.state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in ckpt.model.state_dict().items())


def test_a_rerun_or_the_same_file_again_does_no_work(monkeypatch):
    reads, parses = [], []  # AppTest itself calls getvalue() on reruns, so count the hashing instead
    monkeypatch.setattr(upload, "hashlib", SimpleNamespace(sha256=lambda data: reads.append(1) or sha256(data)))
    monkeypatch.setattr(upload, "load_checkpoint", lambda data: parses.append(1) or load_checkpoint(data))
    at = send(session(), "mine.safetensors", BCE)
    at.run()
    at.run()
    assert len(reads) == len(parses) == 1
    send(at, "renamed.safetensors", BCE)  # read and hashed, but not parsed again
    assert len(reads) == 2 and len(parses) == 1 and at.text[0].value == "uploaded: mine"


def test_labels_are_unique_and_only_the_newest_three_are_kept():
    files = [(CHECKPOINT_DIR / f"{n}.safetensors").read_bytes() for n in ("bce", "mse", "notes", "ae")]
    at = session()
    for data in files[:2]:
        send(at, "model.safetensors", data)
    assert at.text[0].value == "uploaded: model | uploaded: model (2)"
    send(send(at, "notes.safetensors", files[2]), "ae.safetensors", files[3])
    assert at.text[0].value == "uploaded: model (2) | uploaded: notes | uploaded: ae"


def test_an_oversized_upload_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(upload, "MAX_BYTES", 1000)
    monkeypatch.setattr(UploadedFile, "getvalue", lambda self: pytest.fail("the oversized file was read"))
    at = send(session(), "big.safetensors", BCE)
    assert "at most 1 kB" in at.sidebar.error[0].value and at.text[0].value == ""


def test_a_failure_inside_the_sidebar_stays_in_the_sidebar(monkeypatch):
    """Readers refuse bad files with their own error; should handling the upload still fail (a bug), the sidebar
    says so and the page below it renders as usual."""
    def broken(uploaded):
        raise RuntimeError("a bug while handling the upload")
    monkeypatch.setattr(upload, "_handle", broken)
    at = send(session(), "mine.safetensors", BCE)
    assert not at.exception and "did not expect" in at.sidebar.error[0].value
    assert at.text[0].value == ""  # the page's own content (here: the picker's list) is there


def test_the_servers_upload_limit_is_the_largest_file_the_app_accepts():
    """Streamlit refuses anything larger before it reaches a page; each uploader states its own, smaller limit."""
    import tomllib
    from vae.serve.digit_image import MAX_BYTES as IMAGE_BYTES
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["maxUploadSize"] * 2**20 == max(MAX_BYTES, IMAGE_BYTES)
    at = AppTest.from_file(str(ROOT / "app_pages" / "explorer" / "page.py"), default_timeout=120).run()
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == IMAGE_BYTES // 2**20
