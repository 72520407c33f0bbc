"""Two browser sessions train at once, each seeing only its own run, while a third session's explorer decodes
the shipped model bit-identically before, during and after (the classroom case, in a real Chromium)."""
import json

import numpy as np
import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import ARTIFACTS, on_the_server
from scripts.appserver import app_server
from scripts.proc_tree import server_pid, trainings
from test_explorer_browser import click_and_wait_for_server

ROOT_SEL = ".vx-root[data-painted='bce']"
LIVE_CURVES = ".st-key-train_live_curves .lc-root"
ZS = [[0.0, 0.0], [1.3, -0.7], [-2.2, 1.9], [0.4, 2.5]]


@pytest.fixture(scope="module")
def two_slot_server(browser):
    with app_server(ARTIFACTS / "isolation.log", env={"VAE_MAX_TRAININGS": "2"}) as url:
        yield url, server_pid(url)


def _choose(page, label, option):
    for _ in range(3):  # a list opened while the page redraws (the setting before it) closes again: open it again
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10000)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} for {label!r}")


def _start(page, url, epochs, likelihood, warm):
    page.goto(f"{url}/train")
    on_the_server(page)
    _choose(page, "Decoder likelihood", likelihood)
    _choose(page, "Start from", warm)
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    page.get_by_role("button", name="Start").click()


def _drawn(page):
    """[newest step, its smoothed training loss] as the session's own live curves last drew them."""
    page.locator(LIVE_CURVES).wait_for(timeout=60000)
    return json.loads(page.locator(LIVE_CURVES).get_attribute("data-last"))


def _explorer_view(page, url=None):
    """What a student's explorer shows of the shipped bce model: the browser's decoded pixels at fixed z, and the
    server's decode of the last clicked z as drawn on its canvas."""
    if url:
        page.goto(f"{url}/explorer")
    page.wait_for_selector(ROOT_SEL, timeout=90000)
    browser_pixels = page.locator(ROOT_SEL).evaluate("(root, zs) => zs.map(([a, b]) => root.vxDecode(a, b))", ZS)
    click_and_wait_for_server(page, 300, 200)  # the server has decoded the clicked z
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60000)
    return np.asarray(browser_pixels), _settled(page, ".st-key-explorer_server_digit canvas")


def _settled(page, canvas: str) -> np.ndarray:
    """The canvas's pixels once two reads 300 ms apart agree: on a busy machine the answer's redraw can land after
    the page says it is idle, and a read then catches the canvas between two paints."""
    read = "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
    last = None
    for _ in range(40):
        page.wait_for_timeout(300)
        now = np.asarray(page.locator(canvas).evaluate(read))  # (the locator reaches into the component's shadow)
        if last is not None and np.array_equal(now, last) and now.any():
            return now
        last = now
    return last


def test_two_trainings_stay_apart_and_a_third_sessions_explorer_never_changes(two_slot_server, browser):
    url, server = two_slot_server
    a, b, c = (browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(3))
    try:
        student_a, student_b, student_c = a.new_page(), b.new_page(), c.new_page()
        before = _explorer_view(student_c, url)

        # A warm-starts from the shipped bce model (the case that could write into the shared cache); B trains the
        # Gaussian decoder from scratch, whose loss is on another scale entirely.
        # (Epochs enough that A still trains when B starts, even when B's first step waits: a training yields the CPU
        # to everything else on the machine, as to the pages, so on a busy CI box B can take as long as A's 5 epochs.)
        _start(student_a, url, 12, "Bernoulli (BCE)", "bce")
        _start(student_b, url, 6, "Gaussian (MSE)", "scratch")
        student_a.get_by_text("of 12 ·").wait_for(timeout=60000)
        student_b.get_by_text("of 6 ·").wait_for(timeout=60000)
        assert len(trainings(server)) == 2
        during = _explorer_view(student_c)
        reloaded = _explorer_view(student_c, url)  # a fresh page: the payload comes from the server's cache again
        for _ in range(3):  # several polls of each session's own curves
            (_, loss_a), (_, loss_b) = _drawn(student_a), _drawn(student_b)
            assert loss_a < 200 < loss_b  # A continues a trained BCE model; B's Gaussian loss starts in thousands
            student_a.wait_for_timeout(500)
        assert student_a.get_by_text("of 6 ·").count() == 0 and student_b.get_by_text("of 12 ·").count() == 0
        student_a.screenshot(path=str(ARTIFACTS / "isolation_a.png"))
        student_b.screenshot(path=str(ARTIFACTS / "isolation_b.png"))

        student_a.get_by_text("Training done").wait_for(timeout=180000)
        student_b.get_by_text("Training done").wait_for(timeout=180000)
        after = _explorer_view(student_c, url)
        for view in (during, reloaded, after):
            assert np.array_equal(view[0], before[0])  # the browser's float64 pixels, bit for bit
            assert np.array_equal(view[1], before[1])  # the server's PyTorch decode, as drawn
    finally:
        for context in (a, b, c):
            context.close()
