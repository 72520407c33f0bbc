"""The Class board page under AppTest, against this test process's own SQLite board (tests/conftest.py): the teacher's
key and controls, a student sending an uploaded model and withdrawing it, what is refused and why, the numbers on the
board against the file's own, and a board entry opened by link on the pages that show models."""
import hashlib
import json

import pytest
from conftest import TEACHER_KEY
from links import page

from ui.board_store import board_db, entry_name
from vae.serve import board_db as bdb
from vae.serve.board import BoardInputError, read_display_name
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

SENT = "On the board as #"


def new_class() -> str:
    code = "t" + hashlib.sha256(str(id(object())).encode()).hexdigest()[:8]
    bdb.create_class(board_db(), code)
    return code


def student(code: str, *uploads: str):
    """A student's page of class `code`, holding shipped checkpoints as if uploaded in the sidebar."""
    at = page("class_board", **{"class": code})
    held = {}
    for name in uploads:
        held[name] = (f"uploaded: {name}", load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors"))
    at.session_state["ckpt_uploads"] = held
    return at.run()


def send(at, label: str, name: str):
    at.selectbox(key="board_model").select(label)
    at.text_input(key="board_name").input(name)
    next(b for b in at.button if b.label == "Send").click()
    return at.run()


def messages(at) -> list[str]:
    return [m.value for m in (*at.success, *at.error, *at.info)]


def test_the_teacher_key_unlocks_the_controls_and_starts_a_class():
    at = page("class_board")
    assert not at.exception and at.text_input(key="board_class").value == ""
    assert not [b for b in at.button if b.key == "board_new_class"]  # nothing of the teacher's without the key
    at.text_input(key="board_key").input("not the key")
    next(b for b in at.button if b.label == "Unlock").click()
    at.run()
    assert "not this server's teacher key" in " ".join(e.value for e in at.error)
    at.text_input(key="board_key").input(TEACHER_KEY)
    next(b for b in at.button if b.label == "Unlock").click()
    at.run()
    at.button(key="board_new_class").click()
    at.run()
    code = at.text_input(key="board_class").value
    assert not at.exception and bdb.get_class(board_db(), code)["open"]
    assert any(f"?class={code}" in c.value for c in at.code)  # the link students open
    at.toggle(key=f"board_open_{code}_{bdb.get_class(board_db(), code)['version']}").set_value(False)
    at.run()
    assert not bdb.get_class(board_db(), code)["open"]


def test_a_student_sends_an_upload_and_the_board_has_the_files_own_numbers():
    code = new_class()
    at = student(code, "bce", "bce-b4")
    assert not at.exception
    send(at, "uploaded: bce", "Ada")
    assert any(m.startswith(SENT) for m in messages(at)), messages(at)
    [row] = bdb.entries(board_db(), code)
    metrics = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors").metrics
    assert row["name"] == "Ada" and row["source"] == "upload"
    assert row["rate"] == pytest.approx(metrics["test_kl"], abs=1e-4)  # scored as the ladder was
    assert row["distortion"] == pytest.approx(metrics["test_recon"], abs=1e-4)
    assert row["neg_elbo"] == pytest.approx(metrics["test_kl"] + metrics["test_recon"], abs=1e-4)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    mine = [t for t in fig["data"] if t.get("customdata") and t["customdata"][0].startswith("class:")]
    assert [t["name"] for t in mine] == ["β = 1"] and mine[0]["text"] == [f"#{row['id']} Ada"]
    assert mine[0]["x"] == [pytest.approx(row["rate"])] and mine[0]["y"] == [pytest.approx(row["distortion"])]
    table = at.dataframe(key="board_table").value
    assert list(table["name"]) == ["Ada"] and list(table["−ELBO"]) == [round(row["neg_elbo"], 2)]


def test_refusals_say_why_in_one_line_and_change_nothing():
    code = new_class()
    at = student(code, "bce", "bce-b4")
    version = bdb.get_class(board_db(), code)["version"]
    for name, why in (("<img src=x onerror=alert(1)>", "letters, digits"), ("**bold**", "letters, digits"),
                      ("   ", "type a name")):
        send(at, "uploaded: bce", name)
        assert any(why in m for m in messages(at)), (name, messages(at))
        assert all("\n" not in m for m in messages(at))
    assert bdb.get_class(board_db(), code)["version"] == version
    send(at, "uploaded: bce", "Ada")
    send(at, "uploaded: bce-b4", "Ada")  # another model at once: one every few seconds
    assert any("one model every" in m for m in messages(at)), messages(at)
    assert len(bdb.entries(board_db(), code)) == 1
    other = student(code, "bce")  # the same weights from someone else
    send(other, "uploaded: bce", "Bob")
    assert any("on the board already" in m for m in messages(other)), messages(other)
    bdb.set_open(board_db(), code, False)
    other.run()
    assert any("closed submissions" in m for m in messages(other))
    assert next(b for b in other.button if b.label == "Send").disabled  # (a forged click: test_board_protocol.py)


@pytest.mark.parametrize("text, why", [("x" * 31, "longer than 30"), ("a\nb" * 600, "longer than 30"),
                                       ("a<b", "letters, digits"), ("a\u202eb", "letters, digits"), (None, "not text"),
                                       ("[x](javascript:alert(1))", "letters, digits"), ("", "type a name")])
def test_names_the_board_refuses(text, why):
    """What a client may send past the field's 30-character limit is read on the server by the same rule."""
    with pytest.raises(BoardInputError, match=why):
        read_display_name(text)
    assert read_display_name("  Zoë   O'Brien-2 ") == "Zoë O'Brien-2" and read_display_name("李雷") == "李雷"


def test_a_student_withdraws_their_own_entry_and_sees_no_one_elses_button():
    code = new_class()
    ada, bob = student(code, "bce"), student(code, "bce-b4")
    send(ada, "uploaded: bce", "Ada")
    send(bob, "uploaded: bce-b4", "Bob")
    ada.run()
    ids = {r["name"]: r["id"] for r in bdb.entries(board_db(), code)}
    assert [b.key for b in ada.button if b.key and b.key.startswith("board_withdraw_")] == \
        [f"board_withdraw_{ids['Ada']}"]
    ada.button(key=f"board_withdraw_{ids['Ada']}").click()
    ada.run()
    assert [r["name"] for r in bdb.entries(board_db(), code)] == ["Bob"]


def test_a_wrong_or_unknown_class_code_says_so():
    at = page("class_board", **{"class": "nosuchclass"})
    assert "no class with this code" in " ".join(e.value for e in at.error)
    at = page("class_board", **{"class": "<b>x</b>"})
    assert any("Ignored `class`" in c.value for c in at.caption) and not at.exception


@pytest.mark.parametrize("key", ["latent_map", "explorer", "elbo_lab"])
def test_a_board_entrys_link_opens_it_on_the_pages_that_show_models(key):
    code = new_class()
    at = student(code, "bce-b4")
    send(at, "uploaded: bce-b4", "Ada")
    [row] = bdb.entries(board_db(), code)
    name = entry_name(code, row["id"])
    opened = page(key, checkpoint=name)
    assert not opened.exception and not opened.error
    picker = {"latent_map": "latent_map_checkpoint", "explorer": "explorer_checkpoint",
              "elbo_lab": "elbo_lab_checkpoint"}[key]
    assert opened.selectbox(key=picker).value == name
    assert not [c for c in opened.caption if "Ignored" in c.value]
    bdb.remove_entry(board_db(), code, row["id"])
    gone = page(key, checkpoint=entry_name(code, row["id"] + 1000))
    assert any("no longer) on its class board" in c.value for c in gone.caption)
    assert gone.selectbox(key=picker).value != name


def test_a_closer_look_is_drawn_for_who_asks_and_the_teachers_screen_shows_the_newest():
    code = new_class()
    ada = student(code, "bce", "bce-z4")
    send(ada, "uploaded: bce", "Ada")
    assert ada.selectbox(key="board_pick").value is None and not ada.get("plotly_chart")[1:]
    assert not ada.warning and not ada.exception
    [row] = bdb.entries(board_db(), code)
    ada.selectbox(key="board_pick").select(row["id"]).run()
    assert any(c.value == f"?checkpoint={entry_name(code, row['id'])}" for c in ada.code)
    teacher = page("class_board", **{"class": code})
    teacher.session_state["board_teacher"] = True
    teacher.run()
    assert teacher.selectbox(key="board_pick").value == row["id"] and not teacher.warning


def test_the_epochs_a_model_was_trained_for_come_from_its_history_and_a_fresh_model_has_none():
    from vae.config import TrainConfig, VAEConfig
    from vae.serve.board import settings_of
    from vae.serve.checkpoint import Checkpoint
    from vae.trainer import build_model
    shipped = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors")
    assert settings_of(shipped)["epochs_trained"] == len(shipped.history) == shipped.train_config.epochs
    assert settings_of(Checkpoint(build_model(VAEConfig(), 0), TrainConfig(epochs=15)))["epochs_trained"] == 0
