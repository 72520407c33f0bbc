"""Three replicas of the app behind Debian's nginx (deploy/), driven through the proxy by the protocol client as a
class of browsers would: each session stays on one replica, an upload and media work through the proxy, and when
one replica is killed only its students reconnect, to a live replica, with a fresh session and a notice; a
browser that reloads its page then keeps its cookie until its websocket moves it. The app's published files
(/files/...) come from nginx itself, from disk, as the app would serve them."""
import asyncio
import concurrent.futures
import io
import signal
import urllib.request

import numpy as np
import pytest
from PIL import Image

from scripts.protocol_client import Tab, TabError
from scripts.protocol_files import component_files
from hall import lecture_hall

REPLICAS = 3
STUDENTS = 9


@pytest.fixture(scope="module")
def hall():
    with lecture_hall(REPLICAS) as h:
        yield h


def run(coroutine):
    """In a thread of its own: a browser test earlier in this worker leaves Playwright's event loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coroutine, 300)).result()


async def open_class(url, pages):
    tabs = [Tab(url, page) for page in pages]
    for tab in tabs:  # one after the other, as students come in: nginx gives each to the least busy replica
        await tab.open()
    return tabs


def digit_png() -> bytes:
    ink = np.zeros((64, 64), np.uint8)
    ink[8:56, 28:36] = 255  # a "1"
    out = io.BytesIO()
    Image.fromarray(ink).save(out, format="PNG")
    return out.getvalue()


def test_every_session_stays_on_one_replica_and_uploads_and_media_work_through_the_proxy(hall):
    async def scenario():
        tabs = await open_class(hall["url"], ["explorer"] * (STUDENTS - 1) + ["elbo_lab"])
        try:
            for i, tab in enumerate(tabs[:-1]):
                await tab.set_json("explorer_map", {"z": [0.5 * i - 2, 1.0]}, "click")
            uploaded = await tabs[0].upload("explorer_upload", "one.png", digit_png(), "image/png")
            media = await tabs[-1].fetch_media()
            return [sorted(t.replicas) for t in tabs], uploaded, media, tabs[0].texts
        finally:
            for tab in tabs:
                await tab.close()
    replicas, uploaded, media, texts = run(scenario())
    assert all(len(r) == 1 for r in replicas), replicas  # page, health, websocket, upload and media: one replica
    assert len({r[0] for r in replicas}) == REPLICAS  # and the class is spread over all of them
    assert not uploaded.errors and "What the encoder sees" in " ".join(texts)
    assert media and set(media.values()) == {200}, media


def test_killing_a_replica_moves_only_its_students_to_a_live_one_with_a_fresh_session_and_a_notice(hall):
    async def scenario():
        tabs = await open_class(hall["url"], ["explorer", "", "elbo_lab"] * 3)
        before = {id(t): (next(iter(t.replicas)), t.session_id) for t in tabs}
        victim = before[id(tabs[0])][0]
        hall["replicas"][victim].send_signal(signal.SIGKILL)
        hall["replicas"][victim].wait(10)
        await asyncio.sleep(1.0)
        moved, stayed = [], []
        for i, tab in enumerate(tabs):
            seen = len(tab.texts)
            try:
                await (tab.set_json("explorer_map", {"z": [0.1, 0.2]}, "click") if tab.page == "explorer" else
                       tab.click("start_here_next") if tab.page == "" else tab.click("elbo_lab_random"))
                stayed.append(tab)
            except TabError:
                assert tab.closed, "an action failed on a connection that is still open"
                await tab.reconnect()
                moved.append((tab, tab.texts[seen:]))
        return before, victim, moved, stayed
    before, victim, moved, stayed = run(scenario())
    assert moved and stayed
    for tab, texts in moved:
        old_replica, old_session = before[id(tab)]
        assert old_replica == victim
        assert len(tab.replicas) == 1 and victim not in tab.replicas  # landed on one live replica
        assert tab.session_id != old_session  # which did not know the session: a fresh one
        assert any("moved to another server" in t for t in texts), texts
    for tab in stayed:
        assert before[id(tab)][0] != victim and tab.replicas == {before[id(tab)][0]}
        assert not any("moved to another server" in t for t in tab.texts)


def test_a_reload_after_its_replica_stopped_leaves_the_cookie_to_the_websocket_which_brings_the_notice(hall):
    """Plain requests that a stopped replica's backups answer do not move the cookie (two backups take turns, so a
    reloading browser's requests scatter); its websocket then moves it, and the replica that took it tells why."""
    dead = next((a for a, p in hall["replicas"].items() if p.poll() is not None), None)
    if dead is None:  # this test run alone
        dead = next(iter(hall["replicas"]))
        hall["replicas"][dead].send_signal(signal.SIGKILL)
        hall["replicas"][dead].wait(10)
    live = {a for a, p in hall["replicas"].items() if p.poll() is None}

    async def scenario():
        tab = Tab(hall["url"], "explorer")
        tab.cookies.set("vae_replica", dead, domain="127.0.0.1")
        try:
            reloads = [await tab.get("/explorer") for _ in range(4)]
            await tab.open()
            return reloads, tab.cookies.get("vae_replica"), tab.replicas, tab.texts
        finally:
            await tab.close()
    reloads, pinned, replicas, texts = run(scenario())
    assert all(r.status_code == 200 and r.headers["x-vae-replica"] in live for r in reloads)
    assert not any("vae_replica" in c for r in reloads for c in r.headers.get_list("set-cookie"))
    assert pinned in live and pinned in replicas  # the websocket's replica, which its handshake pinned
    assert any("moved to another server" in t for t in texts), texts


def test_published_files_come_from_nginx_as_the_app_serves_them_and_a_missing_one_from_the_replica(hall):
    """The relay's code every page names (a published file): the same bytes and headers from nginx's disk as from
    the replica, which nginx did not ask (no replica named); a published-looking name that is not on disk goes on to
    the student's replica, which answers it as before (404)."""
    async def scenario():
        tab = Tab(hall["url"], "explorer")
        try:
            await tab.open()
            path = component_files(tab)[0]
            own = await tab.get(f"/{path}")
            return path, own, await tab.get("/files/code-0123456789abcdef/missing.js")
        finally:
            await tab.close()
    path, proxied, missing = run(scenario())
    replica = next(a for a, proc in hall["replicas"].items() if proc.poll() is None)  # one the kill test left
    with urllib.request.urlopen(f"http://{replica}/{path}", timeout=30) as r:
        direct, headers = r.read(), r.headers
    assert proxied.status_code == 200 and proxied.content == direct and "x-vae-replica" not in proxied.headers
    for name in ("Cache-Control", "X-Content-Type-Options"):
        assert proxied.headers[name] == headers[name], name
    assert "javascript" in proxied.headers["content-type"]
    assert missing.status_code == 404 and missing.headers.get("x-vae-replica")
