"""The view in the URL, under AppTest: a link's values open the view, every hostile value falls back to the default
with a notice that names the parameter (never the value), and the address bar follows the view."""
from pathlib import Path

import pytest
from links import page
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["../../etc/passwd", "<script>alert(1)</script>", "abc", "1e308,nan", "-5", "99999", "", "x" * 10_000]


def notices(at) -> list[str]:
    return [c.value for c in at.caption if "in the link" in c.value]


def assert_no_value_shown(at, value):
    """A hostile value is never echoed: not in a notice, not in any markdown the page wrote."""
    if len(value) > 3:
        shown = [e.value for e in (*at.caption, *at.markdown, *at.warning, *at.error) if isinstance(e.value, str)]
        assert not any(value in text for text in shown)


def test_explorer_opens_the_links_checkpoint_and_point():
    at = page("explorer", checkpoint="mse", z="1.5,-0.5")
    assert not at.exception and notices(at) == []
    assert at.selectbox(key="explorer_checkpoint").value == "mse"
    assert [m.value for m in at.metric][:2] == ["1.5000", "-0.5000"]  # the server's readout of the decoded z
    assert at.query_params["checkpoint"] == "mse" and at.query_params["z"] == "1.5,-0.5"
    at.selectbox(key="explorer_checkpoint").select("bce").run()
    assert at.query_params["checkpoint"] == "bce" and at.query_params["z"] == "1.5,-0.5"


@pytest.mark.parametrize("key, param, default_check", [
    ("explorer", "checkpoint", lambda at: at.selectbox(key="explorer_checkpoint").value == "bce"),
    ("explorer", "z", lambda at: [m.value for m in at.metric][:2] == ["0.0000", "0.0000"]),
    ("latent_map", "checkpoint", lambda at: at.selectbox(key="latent_map_checkpoint").value == "bce"),
    ("elbo_lab", "checkpoint", lambda at: at.selectbox(key="elbo_lab_checkpoint").value == "bce"),
    ("elbo_lab", "digit", lambda at: at.number_input(key="elbo_lab_index").value == 7),
    ("start_here", "step", lambda at: at.session_state["start_here_step"].startswith("1 ")),
    ("mse_vs_bce", "tab", lambda at: at.query_params["tab"] == "1"),
    ("mse_vs_bce", "dataset", lambda at: at.query_params["dataset"] == "mnist"),
    ("start_here", "dataset", lambda at: at.session_state["start_here_dataset"] == "mnist"),
])
@pytest.mark.parametrize("value", HOSTILE, ids=["path", "script", "word", "nan", "negative", "big", "empty", "10kB"])
def test_a_hostile_value_falls_back_to_the_default_with_a_notice(key, param, default_check, value):
    at = page(key, **{param: value})
    assert not at.exception and default_check(at)
    if not (param == "z" and value == ""):  # an empty value is a value like any other: it is refused too
        assert len(notices(at)) == 1 and f"Ignored `{param}` in the link" in notices(at)[0]
    assert_no_value_shown(at, value)


def test_step_99_is_ignored_with_a_notice():
    at = page("start_here", step="99")
    assert not at.exception and at.session_state["start_here_step"].startswith("1 ")
    assert notices(at) == [":material/link_off: Ignored `step` in the link: it is not a whole number from 1 to 6. "
                           "This page shows its default instead."]


def test_a_repeated_key_and_an_unknown_one_are_ignored_with_a_notice():
    at = AppTest.from_file(str(ROOT / "app_pages" / "elbo_lab" / "page.py"), default_timeout=120)
    at.query_params["digit"] = ["12", "13"]
    at.query_params["colour"] = "red"
    at.run()
    assert not at.exception and at.number_input(key="elbo_lab_index").value == 7
    assert any("gives it 2 times" in n for n in notices(at)) and any("does not have" in n for n in notices(at))
    assert "colour" not in at.query_params and at.query_params["digit"] == "7"


def test_the_lesson_opens_the_links_step_and_digit_and_follows_next():
    at = page("start_here", step="4", digit="123")
    assert not at.exception and notices(at) == []
    assert at.session_state["start_here_step"].startswith("4 ")
    assert at.number_input(key="start_here_elbo_digit").value == 123
    assert at.query_params["step"] == "4" and at.query_params["digit"] == "123"
    at.button(key="start_here_next").click().run()
    assert at.query_params["step"] == "5" and "digit" not in at.query_params  # step 5 picks no digit


def test_elbo_lab_and_mse_vs_bce_open_their_links():
    at = page("elbo_lab", checkpoint="bce-binarized", digit="42")
    assert not at.exception and at.selectbox(key="elbo_lab_checkpoint").value == "bce-binarized"
    assert at.number_input(key="elbo_lab_index").value == 42 and at.query_params["digit"] == "42"
    at = page("mse_vs_bce", tab="3", digit="5")
    assert not at.exception and at.session_state["mse_vs_bce_tab"] == "Why: the average"
    assert at.number_input(key="mse_vs_bce_index").value == 5
    assert at.query_params["tab"] == "3" and at.query_params["digit"] == "5"


def test_the_train_page_starts_from_the_links_checkpoint():
    at = page("train", checkpoint="bce-b2")
    assert not at.exception and at.selectbox(key="train_warm_start").value == "bce-b2"
    assert at.query_params["checkpoint"] == "bce-b2"
    at.selectbox(key="train_warm_start").select("scratch").run()
    assert "checkpoint" not in at.query_params
    at = page("train", checkpoint="../../etc/passwd")
    assert not at.exception and at.selectbox(key="train_warm_start").value == "scratch" and len(notices(at)) == 1


def test_a_session_only_model_is_not_reachable_through_a_link():
    """Another session's link may name `my training run (live)` or an upload: this session has neither."""
    for name in ("my training run (live)", "uploaded: mine"):
        at = page("latent_map", checkpoint=name)
        assert not at.exception and at.selectbox(key="latent_map_checkpoint").value == "bce"
        assert "no such choice" in notices(at)[0]
