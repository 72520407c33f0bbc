"""Start `streamlit run server.py` (the app, and its route for published files) on a free local port and wait until it
answers; used by tests and scripts."""
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from deploy.serve import server_env

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def app_server(log_path=None, env=None, script="server.py", cwd=ROOT):
    """Yields the base URL of a headless streamlit server running the app (server.py); stops it afterwards.

    env: extra environment variables for the server, e.g. VAE_MAX_TRAININGS or a STREAMLIT_SERVER_* option.
    script, cwd: another script to serve, from a folder whose .streamlit/config.toml then applies."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            env=server_env(env))  # as ./dev app runs it
    try:
        wait_ready(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_path:
            log.close()

