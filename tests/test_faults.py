"""Faults a classroom server meets: a kill in the middle of a save, a dropped websocket, a page that raises,
and a tab closed while its training runs. Each is caused for real (SIGKILL, a cut connection, a live server)."""
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from dataclasses import asdict

import pytest
import torch

from conftest import ARTIFACTS, on_the_server
from scripts.appserver import ROOT, app_server
from scripts.proc_tree import server_pid, trainings
from vae.serve.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from vae.config import TrainConfig, VAEConfig
from vae.trainer import build_model
from vae.serve.worker import TrainingWorker

# ~12 MB on disk: large enough that writing and syncing it takes a while to be caught in the act
BIG = VAEConfig(encoder_hidden=(2000,), decoder_hidden=(2000,))
SEEDS = (1, 2)  # the writer alternates between these two models, so "old" and "new" are always one of them

WRITER = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(ROOT)!r})
    from vae.serve.checkpoint import save_checkpoint
    from vae.config import TrainConfig, VAEConfig
    from vae.trainer import build_model
    models = [(build_model(VAEConfig(**{asdict(BIG)!r}), s), TrainConfig(seed=s)) for s in {SEEDS!r}]
    print("ready", flush=True)
    i = 0
    while True:
        save_checkpoint(sys.argv[1], *models[i % 2])
        i += 1
""")


def _temporaries(folder):
    return {p.name for p in folder.iterdir() if p.name.startswith(".m.safetensors.") and p.name.endswith(".tmp")}


def _kill_while_writing(path, leftovers, delay):
    """Start the writer, wait until a new temporary file shows it is writing, then SIGKILL it after `delay` s."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        while not _temporaries(path.parent) - leftovers:
            assert proc.poll() is None, "the writer died on its own"
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_a_kill_during_a_save_leaves_the_old_or_the_new_file(tmp_path):
    path = tmp_path / "m.safetensors"
    expected = {s: build_model(BIG, s).state_dict() for s in SEEDS}
    save_checkpoint(path, build_model(BIG, SEEDS[0]), TrainConfig(seed=SEEDS[0]))
    rng = random.Random(0)
    leftovers, interrupted = set(), 0
    for attempt in range(10):  # each writer needs a few seconds to import torch, so a handful of kills: at least
        if attempt >= 4 and interrupted:  # four, and more (up to ten) while none has landed mid-write on a busy machine
            break
        # every other kill goes in as soon as the temporary file shows: on a fast disk the whole write takes a few
        # milliseconds, which a random delay of up to 30 ms mostly misses
        _kill_while_writing(path, leftovers, rng.uniform(0.0, 0.03) if attempt % 2 else 0.0)
        ckpt = load_checkpoint(path)
        seed = ckpt.train_config.seed
        # one whole model, with its own metadata: never weights of one save and header of another
        assert seed in SEEDS
        for key, value in ckpt.model.state_dict().items():
            assert torch.equal(value, expected[seed][key]), key
        now = _temporaries(tmp_path)
        interrupted += bool(now - leftovers)  # SIGKILL skips the clean-up, so a killed write leaves its file
        leftovers = now
        assert list_checkpoints(tmp_path) == ["m"]
    assert interrupted, "no kill landed while a temporary file was being written; the test proved nothing"
    # the leftovers do not get in the way of the next save either
    save_checkpoint(path, build_model(BIG, SEEDS[1]), TrainConfig(seed=SEEDS[1]))
    assert load_checkpoint(path).train_config.seed == SEEDS[1] and list_checkpoints(tmp_path) == ["m"]


class Owner:
    def __init__(self):
        self.connected = True

    def alive(self):
        return self.connected


def test_a_worker_stops_when_its_owner_says_the_session_is_gone():
    owner = Owner()
    cfg = TrainConfig(epochs=50, batch_size=100, seed=0)
    worker = TrainingWorker(build_model(VAEConfig(), 0), cfg, owner, limit=(2000, 500)).start()
    while not worker.snapshot()["steps"]:
        worker.join(0.05)
    owner.connected = False  # still referenced: only alive() can tell the worker
    worker.join(30)
    end = worker.snapshot()["end"]
    assert not worker.running and end["kind"] == "stopped" and "session" in end["reason"]


# --- a page that raises ---------------------------------------------------------------------------------

SECRET = "the-exception-text-4711"
FAILING_PAGE = f"""import streamlit as st

st.title("A page that fails")
raise RuntimeError({SECRET!r})
"""


def test_the_shipped_config_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_a_page_error_is_logged_but_not_shown(browser, tmp_path):
    """A throwaway failing script, served with a copy of the repository's config: what the student gets."""
    (tmp_path / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", tmp_path / ".streamlit" / "config.toml")
    (tmp_path / "failing.py").write_text(FAILING_PAGE)
    log = tmp_path / "server.log"
    received = []
    with app_server(log, script="failing.py", cwd=tmp_path) as url:
        context = browser.new_context()
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(frame)))
        page.goto(url)
        page.locator("[data-testid='stException']").wait_for(timeout=60000)
        shown = page.inner_text("body")
        context.close()
    assert "This app has encountered an error" in shown
    for detail in (SECRET, "RuntimeError", "Traceback", "failing.py"):
        assert detail not in shown, detail
    # not in what reached the browser either, where developer tools could show it
    assert not any(SECRET.encode() in (f if isinstance(f, bytes) else f.encode()) for f in received)
    logged = log.read_text()
    assert SECRET in logged and "Traceback" in logged and "failing.py" in logged


# --- trainings on a live server ---------------------------------------------------------------------------

def _wait_until(condition, timeout, what):
    """Poll a server-side condition (no assertion on how long it took: the timeout is only a safety net)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def roomy_server(browser):
    """Three training slots: were a reconnect to start a second training, nothing would refuse it."""
    with app_server(ARTIFACTS / "faults_roomy.log", env={"VAE_MAX_TRAININGS": "3"}) as url:
        yield url, server_pid(url)


@pytest.fixture(scope="module")
def short_ttl_server(browser):
    """One training slot, and a closed tab's session given up after 2 s instead of Streamlit's 120."""
    env = {"VAE_MAX_TRAININGS": "1", "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"}
    with app_server(ARTIFACTS / "faults_short_ttl.log", env=env) as url:
        yield url, server_pid(url)


# how far the run has got, as the page's progress line says ("epoch 1.25 of 20 · ..."); -1 before it shows
EPOCH_SHOWN = r"""() => {
    const match = document.body.innerText.match(/epoch (\d+\.\d+) of \d+/);
    return match ? parseFloat(match[1]) : -1;
}"""

# Streamlit's frontend keeps its WebSocket private; this keeps a list of those the page opens, to cut them.
SOCKET_SPY = """(() => {
    const Native = window.WebSocket;
    window.openedSockets = [];
    window.WebSocket = class extends Native {
        constructor(...args) { super(...args); window.openedSockets.push(this); }
    };
})();"""


def _start_training(page, url, epochs, wait=True):
    page.goto(f"{url}/train")
    on_the_server(page)
    page.get_by_label("Epochs").fill(str(epochs))
    page.get_by_label("Epochs").press("Enter")
    page.get_by_role("button", name="Start").click()
    if wait:
        page.get_by_text("samples/s").wait_for(timeout=60000)  # the progress line: steps are arriving


def _stop_training(page, server):
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Training stopped").wait_for(timeout=30000)
    _wait_until(lambda: not trainings(server), 30, "the training process to exit")


def test_a_dropped_websocket_does_not_start_a_second_training(roomy_server, browser):
    url, server = roomy_server
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(SOCKET_SPY)
    page = context.new_page()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    _start_training(page, url, epochs=20)
    page.wait_for_function(f"({EPOCH_SHOWN})() > 0", timeout=60000)
    before = page.evaluate(EPOCH_SHOWN)
    [trainer] = trainings(server)
    # Offline mode alone leaves an open websocket untouched (checked), so the socket is also closed by hand;
    # offline, the frontend's attempts to reconnect fail until the network is back.
    context.set_offline(True)
    page.evaluate("window.openedSockets.forEach(s => s.close())")
    page.get_by_text("Connection error").wait_for(timeout=90000)  # the frontend gives up its retries first
    time.sleep(3)
    context.set_offline(False)
    page.get_by_text("Connection error").wait_for(state="hidden", timeout=60000)
    page.wait_for_function(f"({EPOCH_SHOWN})() > {before}", timeout=60000)
    assert len(sockets) == 2  # a real reconnection
    # the same session and the same run: its progress went on past where it was, Start stays disabled, and one
    # process trains, the one from before
    assert page.get_by_role("button", name="Start").is_disabled()
    assert page.get_by_role("button", name="Stop").is_enabled()
    assert trainings(server) == [trainer]
    _stop_training(page, server)
    context.close()


def test_a_closed_tab_stops_its_training(short_ttl_server, browser):
    url, server = short_ttl_server
    first = browser.new_context(viewport={"width": 1400, "height": 900})
    _start_training(first.new_page(), url, epochs=30)  # minutes of work, unless something stops it
    [trainer] = trainings(server)
    second = browser.new_context(viewport={"width": 1400, "height": 900})
    page = second.new_page()
    _start_training(page, url, epochs=1, wait=False)
    page.get_by_text("The server is busy").wait_for(timeout=30000)  # the one slot is taken
    first.close()
    _wait_until(lambda: trainer not in trainings(server), 60, "the closed tab's training to stop")
    page.get_by_role("button", name="Start").click()  # the slot is free again
    page.get_by_text("samples/s").wait_for(timeout=60000)
    assert len(trainings(server)) == 1
    _stop_training(page, server)
    second.close()
