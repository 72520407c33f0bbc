"""A browser tab without the browser: one Streamlit session driven over its websocket with the protobuf messages
Streamlit's frontend sends, for load tests of many students and for the proxy's fault tests.

What it does as the frontend does (checked against Chromium by bench/ws_fidelity.py): loads the page's HTML and
the health check that sets the XSRF cookie, opens `/_stcore/stream` with the "streamlit" subprotocol and the XSRF
token, asks for the first run by page name, then reruns with every mounted widget's value, the page's script hash,
the query string the app last wrote and the hashes of every cacheable message it holds, so that the server sends a
reference instead of an element the tab already has; it resolves those references, answers a fragment's
`auto_rerun` with timed fragment reruns, and uploads files the frontend's way (file_urls_request, then an HTTP PUT
with the XSRF header). It draws nothing: what it measures is the server's side of each action.
"""
import asyncio
import http.cookies
import json
import time
import urllib.parse
import uuid

import httpx
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.components.v2.bidi_component.constants import EVENT_DELIM
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

from scripts.protocol_receive import Receiver, Run, TabError

CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False, "color_scheme": "light"}


class Tab(Receiver):
    def __init__(self, base: str, page: str = "", query: str = ""):
        self.base, self.page, self.query = base.rstrip("/"), page, query
        self.http = httpx.AsyncClient(timeout=60)  # this tab's own cookie jar, as a browser profile has
        self.cookies = self.http.cookies
        self.widgets: dict[str, WidgetState] = {}  # every mounted widget's value, as the frontend reports them
        self.labels: dict[str, str] = {}  # widget id -> label, for finding a button by what it says
        self.fragment_of: dict[str, str] = {}  # widget id -> the fragment it was drawn in ("" for none)
        self.disabled: dict[str, bool] = {}  # widget id -> drawn disabled
        self.components: dict = {}  # widget id -> the components-v2 element last drawn (its data)
        self.last_sent = 0  # the size of the last message this tab sent
        self.cache: dict[str, ForwardMsg] = {}  # hash -> cacheable message
        self.session_id = self.script_hash = None
        self.runs: list[Run] = []
        self.replicas: set[str] = set()  # the X-Vae-Replica header of every answer, when a proxy sets one
        self.moves: list[list[str]] = []  # the replicas answered before each reconnect
        self.media: dict[str, int] = {}  # media URL -> HTTP status, for those fetched with fetch_media
        self.texts: list[str] = []  # markdown and alerts of the latest runs, for notices
        self.closed: str | None = None
        self.auto: dict[str, float] = {}  # fragment id -> interval (s) of its auto reruns
        self._ws = self._reader = None
        self._run: Run | None = None  # the server's run being received
        self._pending: list[Run] = []  # actions sent, waiting for their run
        self._polled: dict[str, float] = {}  # fragment -> when its latest timed rerun was asked for
        self._drawn: set[str] = set()  # the fragments the run being received drew in ("" for outside any)
        self._announced: set[str] = set()  # the fragments it put on a timer
        self._uploads: dict[str, asyncio.Future] = {}
        self._timers: dict[str, asyncio.Task] = {}

    # -- connecting ---------------------------------------------------------------------------------------
    async def get(self, path: str) -> httpx.Response:
        r = await self.http.get(self.base + path)
        self._answered(r.headers)
        return r

    def _answered(self, headers):
        if "x-vae-replica" in headers:
            self.replicas.add(headers["x-vae-replica"])

    async def open(self, timeout: float = 120) -> Run:
        """Load the page as a first visit does, and wait for its first run to finish."""
        started = time.perf_counter()
        page = await self.get(f"/{self.page}" + (f"?{self.query}" if self.query else ""))
        if page.status_code != 200:
            raise TabError(f"GET /{self.page}: HTTP {page.status_code}")
        await self.get("/_stcore/health")
        await self.get("/_stcore/host-config")
        await self.connect()
        return await self._rerun("load", self._message(page_name=self.page, fresh=True), timeout, started)

    async def connect(self):
        ws_base = "ws" + self.base[4:]
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        protocols = ["streamlit", self.cookies.get("_streamlit_xsrf") or "", *([self.session_id] if self.session_id else [])]
        self._ws = await websockets.connect(
            f"{ws_base}/_stcore/stream", subprotocols=protocols, max_size=None, open_timeout=30,
            additional_headers={"Cookie": cookie, "Origin": self.base})
        headers = self._ws.response.headers
        self._answered(headers)
        for line in headers.get_all("Set-Cookie"):  # a browser keeps what the websocket's handshake sets too
            for name, morsel in http.cookies.SimpleCookie(line).items():
                self.cookies.delete(name)
                self.cookies.set(name, morsel.value, domain=urllib.parse.urlsplit(self.base).hostname)
        self.closed = None
        self._reader = asyncio.create_task(self._read())

    async def goto(self, page: str, timeout: float = 120) -> Run:
        """Another page of the app in the same session, as the sidebar's link opens it."""
        self.page = page
        return await self._rerun("navigate", self._message(page_name=page, fresh=True), timeout)

    async def reconnect(self, timeout: float = 120) -> Run:
        """What the frontend does when its websocket drops: wait, ask the health check until it answers, reconnect
        asking for its old session, and rerun with its widgets' values. A server that no longer has the session
        (behind the proxy: another replica) starts a fresh one."""
        self.moves.append(sorted(self.replicas))
        self.replicas = set()
        deadline = time.perf_counter() + timeout
        while True:
            await asyncio.sleep(1.0)
            try:
                if (await self.get("/_stcore/health")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise TabError("the server did not come back")
        self.replicas = set()  # the health check's answer does not count: the websocket's replica is where it lands
        await self.connect()
        return await self._rerun("reload", self._message(), timeout)

    async def close(self):
        for timer in self._timers.values():
            timer.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
        await self.http.aclose()

    async def fetch_media(self) -> dict[str, int]:
        """GET every st.image this tab was sent, as the browser's <img> tags would."""
        for url in self.media:
            self.media[url] = (await self.get(url)).status_code
        return self.media

    # -- actions ----------------------------------------------------------------------------------------------
    def widget_id(self, key: str) -> str:
        """The id of the widget made with `key=key` (Streamlit ends a keyed widget's id with "-<key>")."""
        for wid in (*self.widgets, *self.labels):
            if wid.endswith(f"-{key}"):
                return wid
        raise TabError(f"no widget with key {key!r} on the page")

    async def click(self, key: str, action: str = "click", timeout: float = 60) -> Run:
        """Press the button made with `key`: a rerun with its trigger set for this run only."""
        trigger = WidgetState(id=self.widget_id(key), trigger_value=True)
        return await self._rerun(action, self._message(fragment_id=self.fragment_of.get(trigger.id, ""),
                                                       extra=[trigger]), timeout)

    async def set_json(self, key: str, value, action: str = "set", timeout: float = 60) -> Run:
        """What a components-v2 element does when its JS sets state: a rerun carrying the JSON value (of its
        fragment only, if it is drawn in one)."""
        state = WidgetState(id=self.widget_id(key), json_value=json.dumps(value))
        self.widgets[state.id] = state
        return await self._rerun(action, self._message(fragment_id=self.fragment_of.get(state.id, "")), timeout)

    async def trigger(self, key: str, event: str, value, action: str = "trigger", timeout: float = 60) -> Run:
        """A components-v2 element's setTriggerValue(event, value): a rerun (of its fragment, if any) carrying it."""
        wid = self.widget_id(key)
        events = WidgetState(id=f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{wid}{EVENT_DELIM}events",
                             json_trigger_value=json.dumps([{"event": event, "value": value}]))
        return await self._rerun(action, self._message(fragment_id=self.fragment_of.get(wid, ""), extra=[events]),
                                 timeout)

    def component_data(self, key: str):
        """The data the server last gave the components-v2 element made with `key`: bytes, or JSON's value."""
        element = self.components[self.widget_id(key)]
        return element.bytes if element.HasField("bytes") else json.loads(element.json or "null")

    async def set_value(self, key: str, action: str = "set", timeout: float = 60, **value) -> Run:
        """Set a widget's value (the WidgetState field its kind uses) and rerun, its fragment only if it is in one."""
        state = WidgetState(id=self.widget_id(key), **value)
        self.widgets[state.id] = state
        return await self._rerun(action, self._message(fragment_id=self.fragment_of.get(state.id, "")), timeout)

    async def upload(self, key: str, name: str, data: bytes, mime: str, timeout: float = 60) -> Run:
        """Upload one file into the file_uploader made with `key`, then rerun with it, as the frontend does."""
        wid = self.widget_id(key)
        request_id = uuid.uuid4().hex
        self._uploads[request_id] = asyncio.get_running_loop().create_future()
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.session_id = self.session_id
        msg.file_urls_request.file_names.append(name)
        await self._ws.send(msg.SerializeToString())
        try:
            urls = await asyncio.wait_for(self._uploads[request_id], timeout)
        finally:
            del self._uploads[request_id]
        if urls.error_msg:
            raise TabError(f"upload refused: {urls.error_msg}")
        target = urls.file_urls[0]
        put = await self.http.put(urllib.parse.urljoin(self.base + "/", target.upload_url.lstrip("/")),
                                  files={"file": (name, data, mime)},
                                  headers={"X-Xsrftoken": self.cookies.get("_streamlit_xsrf") or ""})
        self._answered(put.headers)
        if put.status_code >= 300:
            raise TabError(f"upload PUT: HTTP {put.status_code} {put.text[:200]}")
        state = WidgetState(id=wid)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = target.file_id, name, len(data)
        info.file_urls.CopyFrom(target)
        self.widgets[wid] = state
        return await self._rerun("upload", self._message(), timeout)

    # -- messages -----------------------------------------------------------------------------------------------
    def _message(self, page_name: str = "", fresh: bool = False, fragment_id: str = "", extra=(), auto=False):
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        if fresh:
            cs.page_name = page_name
        else:
            cs.page_script_hash = self.script_hash or ""
            cs.widget_states.widgets.extend([*self.widgets.values(), *extra])
            cs.cached_message_hashes.extend(self.cache)
        if fragment_id:
            cs.fragment_id, cs.is_auto_rerun = fragment_id, auto
        for k, v in CONTEXT.items():
            setattr(cs.context_info, k, v)
        cs.context_info.url = f"{self.base}/{self.page}"
        return msg

    async def _rerun(self, action: str, msg: BackMsg, timeout: float, started: float | None = None) -> Run:
        """Send a rerun request and wait for the server's run it caused (a poll is sent and not waited for)."""
        if self.closed:
            raise TabError(f"connection closed: {self.closed}")
        run = Run(action, started or time.perf_counter(), msg.rerun_script.fragment_id)
        if action == "poll":
            self._polled[run.fragment] = run.started
            await self._ws.send(msg.SerializeToString())
            return run
        run.done = asyncio.Event()
        self._pending.append(run)
        payload = msg.SerializeToString()
        self.last_sent = len(payload)
        await self._ws.send(payload)
        try:
            await asyncio.wait_for(run.done.wait(), timeout)
        except asyncio.TimeoutError:
            run.errors.append(f"{action}: no script_finished within {timeout} s")
        if run in self._pending:
            self._pending.remove(run)
        if self.closed and run.finished is None:
            run.errors.append(f"{action}: connection closed: {self.closed}")
        if run.errors:
            raise TabError("; ".join(run.errors))
        return run
