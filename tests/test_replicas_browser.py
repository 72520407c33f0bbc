"""In Chromium, through nginx in front of three replicas: when the student's replica is killed, Streamlit's own
frontend reconnects, nginx takes its websocket to a live replica, the page asks it for a run at once and the student
reads why the page started afresh, a click on the map works there, and from then on the page's websocket and its requests (an upload into the new session) all reach that replica.

With three, the dead replica's upstream has two backups, which take turns: requests that moved the cookie could
split a session between them. Which replica answered is read from nginx's X-Vae-Replica header, on every HTTP
answer (Playwright) and on the websocket's handshake (Chromium's DevTools protocol)."""
import re
import signal
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from conftest import ARTIFACTS
from hall import lecture_hall
from test_explorer_browser import axes, click_and_wait_for_server

NOTICE = "moved to another server"
STATELESS = re.compile(r"/_stcore/(health|host-config)$")  # a reconnecting frontend asks them before its websocket


@pytest.fixture(scope="module")
def hall():
    with lecture_hall(3) as h:
        yield h


def record(page):
    """Appends (kind, status, replica, path) for each answer a replica gave the page: "ws" for a websocket's
    handshake, "http" for the rest (nginx's own /static/ files name no replica and are left out)."""
    seen = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: seen.append(
        ("ws", e["response"]["status"],
         {k.lower(): v for k, v in e["response"]["headers"].items()}.get("x-vae-replica"), "/_stcore/stream")))
    page.on("response", lambda r: r.headers.get("x-vae-replica") and seen.append(
        ("http", r.status, r.headers["x-vae-replica"], urlsplit(r.url).path)))
    return seen


def pinned(page):
    return {c["name"]: c["value"] for c in page.context.cookies()}.get("vae_replica")


def idle(page):
    """Connected, and no run going (the attributes Streamlit's own end-to-end tests wait on)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']"
                           "[data-test-connection-state='CONNECTED']", timeout=120000)


def until(page, test, what, timeout=120):
    """Wait for `test()`, letting the browser's events in, up to `timeout` seconds."""
    for _ in range(timeout * 5):
        if test():
            return
        page.wait_for_timeout(200)
    raise TimeoutError(f"no {what} within {timeout} s")


def test_a_student_whose_replica_stops_lands_on_one_live_replica_with_a_notice(hall, page, tmp_path):
    seen = record(page)
    first = page.goto(f"{hall['url']}/explorer").headers["x-vae-replica"]
    page.wait_for_selector(".vx-root[data-painted]", timeout=120000)
    idle(page)
    assert [s[2] for s in seen if s[0] == "ws"] == [first] and pinned(page) == first
    assert {s[2] for s in seen} == {first}, seen  # a newcomer's page, checks and websocket: one replica
    assert page.get_by_text(NOTICE).count() == 0  # nothing to tell on the first visit

    killed_at = len(seen)
    hall["replicas"][first].send_signal(signal.SIGKILL)
    hall["replicas"][first].wait(10)
    until(page, lambda: any(s[0] == "ws" for s in seen[killed_at:]), "new websocket")  # the frontend reconnects
    # no action of the student's: the page asks the live replica for a run as soon as it is back (ui/replica.py)
    page.get_by_text(NOTICE).first.wait_for(timeout=120000)
    idle(page)
    # and the map, a fragment, answers there: the server's check shows the clicked point
    page.wait_for_selector(".vx-root[data-painted]", timeout=120000)
    a = axes(page.locator(".vx-overlay"))
    click_and_wait_for_server(page, a["left"] + a["size"] - 15, a["top"] + 15, timeout=120000)  # empty corner
    idle(page)
    ink = np.full((140, 140), 255, np.uint8)
    ink[20:120, 64:76] = 0  # a "1", dark on light
    Image.fromarray(ink).save(tmp_path / "one.png")
    page.locator(".st-key-explorer_upload input[type='file']").set_input_files(str(tmp_path / "one.png"))
    page.get_by_text("mean of q(z|x)").wait_for(timeout=120000)  # the new session has the file, and encoded it
    idle(page)
    page.screenshot(path=str(ARTIFACTS / "replica-moved-notice.png"))

    after = seen[killed_at:]
    handshakes = [s for s in after if s[0] == "ws"]
    assert {s[1] for s in handshakes} == {101}, handshakes
    now = handshakes[0][2]
    assert now != first and now in hall["replicas"] and hall["replicas"][now].poll() is None
    assert pinned(page) == now  # the handshake moved the cookie to the replica holding the session
    uploads = [s for s in after if "/_stcore/upload_file/" in s[3]]
    assert uploads and all(200 <= s[1] < 300 for s in uploads), uploads
    # the websocket and every request after the kill reached that replica, but for the checks the reconnecting
    # frontend made before its websocket (the dead replica's backups answer those, taking turns)
    assert {s[2] for s in after if not STATELESS.search(s[3])} == {now}, after
