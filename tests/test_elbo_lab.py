"""The ELBO lab page: AppTest for its numbers and controls, Chromium for what it draws."""
import re
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from app_pages.elbo_lab.figures import contour_lines
from vae.estimators import elbo_estimate, iwae_curve
from vae.one_dim import interval_probability, normal_pdf
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.posterior import decompose
from vae.serve.ahead import THREAD_NAME
from vae.trainer import eval_targets

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "elbo_lab" / "page.py")


def number(text):
    return float(re.search(r"-?[\d,]+\.?\d*", text).group().replace(",", ""))


@pytest.fixture(scope="module")
def lab():
    return AppTest.from_file(PAGE, default_timeout=120).run()


def metric(at, start):
    return next(m.value for m in at.metric if m.label.startswith(start))


@pytest.mark.parametrize("name, index", [("bce", 7), ("bce-binarized", 123), ("mse", 4)])
def test_lab_shows_the_decomposition_of_the_chosen_digit(mnist, lab, name, index):
    lab.selectbox(key="elbo_lab_checkpoint").select(name).run()
    lab.number_input(key="elbo_lab_index").set_value(index).run()
    assert not lab.exception and not lab.error
    ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
    dec = decompose(ckpt.model, eval_targets(mnist, ckpt.train_config)[index])
    assert number(metric(lab, "log p(x)")) == pytest.approx(dec["log_px"], abs=1e-3)
    assert number(metric(lab, "ELBO")) == pytest.approx(dec["elbo"], abs=1e-3)
    assert number(metric(lab, "gap")) == pytest.approx(dec["kl_gap"], abs=1e-3)
    assert number(metric(lab, "variance ratio")) > 100


def test_notes_model_is_not_offered(lab):
    assert "notes" not in lab.selectbox(key="elbo_lab_checkpoint").options


def test_lab_sliders_update_the_one_dimensional_examples(lab):
    lab.slider(key="elbo_lab_mouse_mean").set_value(30.0).run()
    lab.slider(key="elbo_lab_mouse_std").set_value(4.0).run()
    lab.slider(key="elbo_lab_mouse_interval").set_value((28.0, 35.0)).run()
    lab.slider(key="elbo_lab_mouse_weight").set_value(36.0).run()
    assert number(metric(lab, "P(28 < w < 35")) == pytest.approx(interval_probability(28, 35, 30, 4), abs=1e-4)
    assert number(metric(lab, "L(μ = 30, σ = 4 | w = 36)")) == pytest.approx(normal_pdf(36, 30, 4), abs=1e-4)
    lab.slider(key="elbo_lab_kl_separation").set_value(0.0).run()
    table = lab.table[-1].value
    kl_columns = [c for c in table.columns if c.startswith("KL")]
    assert all(abs(float(v)) < 1e-3 for c in kl_columns for v in table[c])  # one Gaussian: both fits exact
    assert not lab.exception


def test_random_digit_button_picks_another_digit(lab):
    before = lab.number_input(key="elbo_lab_index").value
    for _ in range(3):  # a draw repeats the old index once in 10,000 times; three in a row, never
        lab.button(key="elbo_lab_random").click().run()
        if lab.number_input(key="elbo_lab_index").value != before:
            break
    assert lab.number_input(key="elbo_lab_index").value != before and not lab.exception


def test_redraw_buttons_change_the_samples(lab):
    before = metric(lab, "variance ratio")
    lab.button(key="elbo_lab_gradient_redraw").click().run()
    assert metric(lab, "variance ratio") != before and not lab.exception


def test_lab_estimates_log_px_beyond_two_dimensions(mnist, lab):
    lab.selectbox(key="elbo_lab_checkpoint").select("bce-z8").run()
    lab.number_input(key="elbo_lab_index").set_value(3).run()
    assert not lab.exception and not lab.error
    ckpt = load_checkpoint(CHECKPOINT_DIR / "bce-z8.safetensors")
    x = eval_targets(mnist, ckpt.train_config)[3]
    curve = iwae_curve(ckpt.model, x, repeats=5, generator=torch.Generator().manual_seed(3))
    assert number(metric(lab, "log p(x) ≈ IWAE")) == pytest.approx(curve["mean"][-1], abs=0.01)
    # the ELBO from the IWAE's own draws, against 20,000 independent ones
    other = elbo_estimate(ckpt.model, x, 20000, torch.Generator().manual_seed(1))
    assert number(metric(lab, "ELBO")) == pytest.approx(other["elbo"], abs=8 * other["se"] + 0.01)
    assert number(metric(lab, "gap, at least")) > 0


def test_contour_lines_trace_known_curves():
    x = y = np.linspace(-3, 3, 121)
    r2 = x[None, :] ** 2 + y[:, None] ** 2
    xs, ys = contour_lines(x, y, np.exp(-0.5 * r2), np.exp(-0.5))  # the unit circle
    assert np.isnan(xs).sum() == 1 and (xs[0], ys[0]) == (xs[-2], ys[-2])  # one piece, closed
    assert np.allclose(np.hypot(xs[:-1], ys[:-1]), 1, atol=1e-3)
    two = np.exp(-2 * ((x[None, :] - 1.5) ** 2 + y[:, None] ** 2)) + np.exp(-2 * ((x[None, :] + 1.5) ** 2 + y[:, None] ** 2))
    assert np.isnan(contour_lines(x, y, two, 0.5)[0]).sum() == 2
    xs, ys = contour_lines(x, y, x[None, :] + 0 * y[:, None], 0.3)  # a straight line, from border to border
    assert np.isnan(xs).sum() == 1 and np.allclose(xs[:-1], 0.3) and sorted(ys[[0, -2]]) == [-3, 3]


@pytest.fixture
def idle_worker():
    """The server's work-ahead thread, counting any CPU reading as idle (this suite keeps the CPUs busy)."""
    from ui.ahead import work_ahead
    worker = work_ahead()
    needed = worker.needed_idle
    worker.needed_idle = 0.0
    yield worker
    worker.needed_idle = needed


def count_computations(monkeypatch) -> dict:
    """Patch the four computations behind the digit sections to note each call: those of the page's own run, and
    those of the work-ahead thread."""
    import app_pages.elbo_lab.data as data
    calls = {"page": [], "ahead": []}

    def counted(fn, name):
        def call(*args, **kwargs):
            calls["ahead" if threading.current_thread().name == THREAD_NAME else "page"].append(name)
            return fn(*args, **kwargs)
        return call
    for name in ("decompose", "iwae_curve", "gradient_samples", "log_likelihood_samples"):
        monkeypatch.setattr(data, name, counted(getattr(data, name), name))
    return calls


def test_the_next_random_digit_is_computed_ahead_while_the_server_is_idle(mnist, idle_worker, monkeypatch):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    next_digit = at.session_state["elbo_lab_next_random"]
    assert idle_worker.wait_until_done(120)
    calls = count_computations(monkeypatch)
    at.button(key="elbo_lab_random").click().run()
    assert at.number_input(key="elbo_lab_index").value == next_digit and not at.exception
    assert calls["page"] == []  # every section read what the idle server had already put in its caches
    ckpt = load_checkpoint(CHECKPOINT_DIR / "bce.safetensors")
    dec = decompose(ckpt.model, eval_targets(mnist, ckpt.train_config)[next_digit])
    assert number(metric(at, "log p(x)")) == pytest.approx(dec["log_px"], abs=1e-3)
    # and the digits either side of it, for the number box's + and -, which this run wished for
    assert idle_worker.wait_until_done(120)
    at.number_input(key="elbo_lab_index").set_value(next_digit + 1 if next_digit < 9999 else next_digit - 1).run()
    assert calls["page"] == [] and "decompose" in calls["ahead"] and not at.exception


def test_a_room_draws_its_random_digits_from_one_pool_computed_ahead(monkeypatch):
    from app_pages.elbo_lab.draws import grow, shared_draws
    shared_draws.clear()
    for _ in range(3):  # as the server's start does (warm.py), with more
        grow()
    room = [AppTest.from_file(PAGE, default_timeout=120).run() for _ in range(2)]
    calls = count_computations(monkeypatch)
    for at in room:
        shown = []
        for _ in range(3):
            at.button(key="elbo_lab_random").click().run()
            shown.append(at.number_input(key="elbo_lab_index").value)
        # each student its own order of the pool, every digit once (the pool may have grown meanwhile, if idle)
        assert len(set(shown)) == 3 and set(shown) <= set(shared_draws()._pool) and not at.exception
    assert calls["page"] == []  # every press read what was computed ahead, once for the whole room


def test_a_busy_server_computes_nothing_ahead(idle_worker, monkeypatch):
    from app_pages.elbo_lab.draws import shared_draws
    shared_draws.clear()  # an empty pool: "Random" opens any digit, which nobody has computed yet
    idle_worker.needed_idle = 2.0  # more than all: never idle
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    calls = count_computations(monkeypatch)
    at.button(key="elbo_lab_random").click().run()
    # a 2-D model: section 4's first draws are the IWAE's own (data.likelihood_draws); "Draw again" makes others
    assert set(calls["page"]) == {"decompose", "iwae_curve", "gradient_samples"}
    at.button(key="elbo_lab_mc_redraw").click().run()
    assert calls["page"][-1] == "log_likelihood_samples" and not at.exception


def test_the_code_behind_a_section_is_sent_only_once_its_expander_is_opened(lab):
    from vae.estimators import iwae_curve
    import inspect
    python = lambda: [c.value for c in lab.get("code") if c.language == "python"]  # noqa: E731 (the link is code too)
    assert python() == []  # a load sends none of the page's code blocks
    lab.session_state["elbo_lab_source_iwae_curve"] = True  # the student opens section 2's expander
    lab.run()
    assert python() == [inspect.getsource(iwae_curve).rstrip()] and not lab.exception
    lab.session_state["elbo_lab_source_iwae_curve"] = False
    lab.run()
    assert python() == []
