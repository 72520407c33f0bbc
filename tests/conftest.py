import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vae.data import load_dataset  # noqa: E402

TEACHER_KEY = "test-teacher-key"


def pytest_configure(config):
    """Every test, and every server a test starts, uses a class board of its own test process (a fresh SQLite file),
    never the one in data/, and knows the teacher key."""
    import tempfile
    os.environ["VAE_BOARD_DB"] = str(Path(tempfile.mkdtemp(prefix="vae-board-")) / "board.sqlite3")
    os.environ["VAE_TEACHER_KEY"] = TEACHER_KEY


@pytest.fixture(scope="session")
def mnist():
    return load_dataset()


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """2,000 training and 500 test images: enough for a loss to fall in a second."""
    return replace(mnist, x_train=mnist.x_train[:2000], y_train=mnist.y_train[:2000],
                   x_test=mnist.x_test[:500], y_test=mnist.y_test[:500])


@pytest.fixture
def generator():
    return torch.Generator().manual_seed(0)


ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    from scripts.appserver import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A phone-sized touch screen, and a DevTools session to send it the browser's own touch events."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page, context.new_cdp_session(page)
    context.close()


@pytest.fixture(scope="module")
def training_browser(browser, tmp_path_factory):
    """Chromium at a lower CPU priority, for the tests that train in it: a training keeps a core busy for a minute,
    and the test files that run beside them (two at once) must not be starved of it."""
    from scripts.appserver import CHROMIUM, CHROMIUM_ARGS
    nice = tmp_path_factory.mktemp("nice") / "chromium"
    nice.write_text(f'#!/bin/sh\nexec nice -n 10 {CHROMIUM} "$@"\n')
    nice.chmod(0o755)
    chromium = browser.browser_type.launch(executable_path=str(nice), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def app_url(browser):
    """A real `streamlit run app.py` server for browser tests; its log goes to artifacts/streamlit.log."""
    from scripts.appserver import app_server
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # the suite runs on two workers, each with its own server
    with app_server(ARTIFACTS / f"streamlit{'-' + worker if worker else ''}.log") as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh browser context (its own Streamlit session) whose console errors the test can assert on."""
    page = open_page(browser)
    yield page
    page.context.close()


def open_page(browser, viewport=None):
    """A page in a context of its own, collecting its console errors in page.console_errors; close its context."""
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 900})
    page = context.new_page()
    page.console_errors = []

    def on_console(msg):
        # Opened on a deep link such as /elbo_lab, Streamlit's frontend first probes /elbo_lab/_stcore/health and
        # /host-config to find the server's base path; those two 404s are how it works, not errors of the app.
        if msg.type == "error" and not re.search(r"/[^/]+/_stcore/(health|host-config)$", msg.location.get("url", "")):
            page.console_errors.append(f"{msg.text} ({msg.location.get('url')})")
    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return page


def press_start(page, epochs: int, beta: float | None = None):
    """On the Train page: set the epochs (and β), let the settings' rerun land, press Start (in the browser, the
    page's default, unless on_the_server chose otherwise)."""
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    if beta is not None:
        page.get_by_label("β (KL weight)").fill(str(beta))
        page.get_by_label("β (KL weight)").press("Enter")
    page.wait_for_timeout(500)  # the settings' rerun
    page.get_by_role("button", name="Start").click()


def on_the_server(page):
    """Choose, on the Train page, to train on the server, and wait until the page is drawn so (its Stop button)."""
    page.get_by_role("radio", name="On the server").click()
    page.get_by_role("button", name="Stop").wait_for(timeout=60000)
