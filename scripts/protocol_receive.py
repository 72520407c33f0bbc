"""The receiving half of scripts/protocol_client.Tab: the frames a server sends a tab, split into the server's
script runs, with what the tab learns from them about the page (its widgets, texts, media, fragments on timers)."""
import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from scripts.widget_values import default_state

DONE = {ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
        ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR}


class TabError(Exception):
    """Something a student would see as broken: a closed connection, an error box, a run that never finished."""


@dataclass
class Run:
    """One script run as the tab saw it: from the BackMsg that asked for it to its script_finished."""
    action: str
    started: float
    fragment: str = ""
    messages: int = 0
    bytes: int = 0
    refs: int = 0
    finished: float | None = None
    errors: list = field(default_factory=list)
    done: asyncio.Event | None = field(default=None, repr=False)

    @property
    def ms(self) -> float:
        return 1000 * (self.finished - self.started)


class Receiver:
    """What Tab does with what it receives; Tab sets up the state it uses."""

    async def _read(self):
        try:
            async for frame in self._ws:
                self._receive(frame)
        except websockets.ConnectionClosed as exc:
            self.closed = f"code {exc.rcvd.code}" if exc.rcvd else "connection lost"
        else:
            self.closed = "closed by the server"
        finally:
            self.closed = self.closed or "reader stopped"
            for run in self._pending:
                run.done.set()

    def _receive(self, frame: bytes):
        """Frames are split into the server's runs, each from a new_session to its script_finished. The frontend
        does not wait for a timed rerun before sending the next request, and the server folds requests that queue
        up into one run, so a run is matched to what asked for it once it is over, by what it drew: a run that
        drew outside every fragment is a full run, the oldest waiting action's; one that drew only in fragments on
        a timer is their poll, unless the oldest waiting action is in one of them; one that drew nothing at all (a
        queued fragment rerun the server folded into another) is not a full run's."""
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        kind = msg.WhichOneof("type")
        if kind == "new_session" and self._run is None:
            self._run, self._drawn, self._announced = Run("?", time.perf_counter()), set(), set()
        run = self._run
        if run is not None:
            run.messages += 1
            run.bytes += len(frame)
        if kind == "ref_hash":
            if run is not None:
                run.refs += 1
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                (run.errors if run else []).append(f"reference to a message this tab never had: {msg.ref_hash}")
                return
            msg = cached
            kind = msg.WhichOneof("type")
        elif msg.metadata.cacheable:
            self.cache[msg.hash] = msg
        if run is not None and kind == "delta":
            self._drawn.add(msg.delta.fragment_id)
        if run is not None and kind == "script_finished" and msg.script_finished in DONE:
            self._run = run = self._claim(run)
        self._handle(kind, msg, run)

    def _claim(self, seen: Run) -> Run:
        """The run `seen`, now over: a poll, the oldest waiting action's, or one nobody asked for."""
        drawn, first = self._drawn, self._pending[0] if self._pending else None
        if "" in drawn:  # a full run: the frontend drops the timers of fragments it did not draw again
            for fragment in set(self._timers) - self._announced:
                self._timers.pop(fragment).cancel()
                self.auto.pop(fragment, None)
            run = self._pending.pop(0) if first else Run("server", seen.started)
        elif first is not None and (first.fragment in drawn or (drawn or first.fragment) and not drawn & set(self.auto)):
            run = self._pending.pop(0)  # a run that drew nothing is no full run's: a fragment's, skipped under load
        elif drawn & set(self.auto):
            fragment = sorted(drawn & set(self.auto))[0]
            run = Run("poll", self._polled.get(fragment, seen.started), fragment)
        else:
            run = Run("server", seen.started)
        run.messages, run.bytes, run.refs, run.errors = seen.messages, seen.bytes, seen.refs, seen.errors
        return run

    def _handle(self, kind: str, msg: ForwardMsg, run: Run | None):
        if kind == "new_session":
            if msg.new_session.HasField("initialize"):
                self.session_id = msg.new_session.initialize.session_id
            self.script_hash = msg.new_session.page_script_hash
        elif kind == "navigation":  # with st.navigation, the page actually run is named here
            self.script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, msg.delta.fragment_id, run)
        elif kind == "auto_rerun":
            self._announced.add(msg.auto_rerun.fragment_id)
            self._schedule(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "file_urls_response":
            future = self._uploads.get(msg.file_urls_response.response_id)
            if future is not None and not future.done():
                future.set_result(msg.file_urls_response)
        elif kind == "page_not_found" and run is not None:
            run.errors.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "script_finished" and run is not None and msg.script_finished in DONE:
            run.finished = time.perf_counter()  # an early finish (st.rerun) goes on into the next new_session
            self.runs.append(run)
            self._run = None
            if run.done is not None:
                run.done.set()

    def _element(self, element, fragment_id: str, run: Run | None):
        kind = element.WhichOneof("type")
        if kind == "exception" and run is not None:
            run.errors.append(f"exception on the page: {element.exception.message[:200]}")
        elif kind in ("markdown", "alert", "toast"):
            self.texts.append(getattr(element, kind).body)
        elif kind == "imgs":  # st.image: served by the session's replica from its memory
            self.media.update({img.url: 0 for img in element.imgs.imgs if img.url.startswith("/media/")})
        widget = getattr(element, kind, None)
        wid = getattr(widget, "id", "") if widget is not None else ""
        if kind == "bidi_component" and wid:  # a components-v2 element: the data its JS would read
            self.components[wid] = widget
        if wid:
            self.labels[wid] = getattr(widget, "label", "")
            self.disabled[wid] = bool(getattr(widget, "disabled", False))
            self.fragment_of[wid] = fragment_id
            state = default_state(kind, widget)
            if state is not None and wid not in self.widgets:
                self.widgets[wid] = state

    def polls(self, since: float = 0.0) -> set[str]:
        """The fragments with a timed rerun started after `since` (perf_counter) that has finished."""
        return {r.fragment for r in self.runs if r.action == "poll" and r.finished is not None and r.started >= since}

    # -- a fragment's timed reruns (the Train page's live parts) ---------------------------------------------
    def _schedule(self, fragment_id: str, interval: float):
        if fragment_id in self._timers or interval <= 0:
            return
        self.auto[fragment_id] = interval
        self._timers[fragment_id] = asyncio.get_running_loop().create_task(self._tick(fragment_id, interval))

    async def _tick(self, fragment_id: str, interval: float):
        due = time.perf_counter()
        while not self.closed:  # at a fixed rate, as the frontend's setInterval
            due += interval
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                await self._rerun("poll", self._message(fragment_id=fragment_id, auto=True), 60)
            except TabError:
                return
