"""The actions a class does, each once through Chromium and once through the protocol client, with the server's
work per script run (messages and bytes it sent): what bench/ws_fidelity.py compares, and the files the page fetched
over HTTP beside its websocket as it loaded (requests and bytes; scripts/protocol_files.py says which).

Runs are labelled in order: "load" (the first run), then the action's own, then "polls" for the timed reruns of
the Train page's live fragments in the WINDOW_S seconds from SETTLE_S after the training started, summed. A run in
the browser ("browser") has its first report after Start: the server's run that takes it, and the size of the
message the browser sent (its weights inside).
"""
import asyncio
import json
import random
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import StringArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.ws_students import BrowserTraining
from scripts.protocol_client import Tab
from scripts.protocol_files import count_http, fetch_files, named_files

EXPLORER_Z = [-1.25, 0.75]
SETTLE_S = 6.0  # a training's first seconds change what a poll draws (first map, first epoch): compare later polls
EPOCHS = 30  # a server training outlasts the measurement, whatever this machine's speed
WINDOW_S = 10.0  # the polls of this long are summed: whether one finds a new map, or the server folds two
#                  fragments' requests into one run, depends on when they come
ACTIONS = {  # name: (page, what the action is called, how many runs to compare)
    "explorer": ("explorer", "click", 2),
    "lesson": ("", "next", 2),
    "elbo_lab": ("elbo_lab", "new digit", 2),
    "train": ("train", "start", 3),  # then its two live fragments' timed reruns over WINDOW_S
    "browser": ("train", "start", 4),  # then the report of its first epoch
    "latent_size": ("latent_size", None, 1),  # pages a class opens by link, with nothing to do but read them
    "class_board": ("class_board", None, 1),
}
FILES = "files at load"  # the row of what a page fetched beside its websocket ("messages": its requests)
QUIET_S = 2.5  # Chromium's page has fetched its files once no response came for this long, and every image and
FILES_WAIT_S = 60.0  # file it was sent (within this long: one never fetched shows as a difference, not as a hang)


async def client_action(url: str, name: str) -> list:
    page, action, _ = ACTIONS[name]
    tab = Tab(url, page)
    counted = count_http(tab)
    try:
        await tab.open()
        await fetch_files(tab)
        files = [(FILES, {"messages": counted["requests"], "bytes": counted["bytes"]})]
        if name == "explorer":
            await tab.set_json("explorer_map", {"z": EXPLORER_Z}, action)
        elif name == "lesson":
            await tab.click("start_here_next", action)
        elif name == "elbo_lab":
            await tab.click("elbo_lab_random", action)
        elif name == "browser":  # the page's default: it trains in the browser
            await tab.click("train_start", action)
            await BrowserTraining(tab, 0.0, random.Random(0)).report_if_due(tab)
            rows = [(what, {"messages": r.messages, "bytes": r.bytes})
                    for what, r in zip(("load", action, "report"), tab.runs)]
            return rows + [("report sent", {"messages": 1, "bytes": tab.last_sent})]
        elif name == "train":  # on the server, for longer than the measurement (the settings' runs are not compared)
            await tab.set_value("train_where", "settings", string_array_value=StringArray(data=["On the server"]))
            await tab.set_value("train_epochs", "settings", int_value=EPOCHS)
            del tab.runs[1:]
            await tab.click("train_start", action)
            await asyncio.sleep(SETTLE_S + WINDOW_S + 1)
            runs = label(tab.runs, name)
            await tab.click("train_stop", "stop")
            return runs + files
        return label(tab.runs, name) + files
    finally:
        await tab.close()


def label(runs, name) -> list:
    """(label, {"messages", "bytes"}) of the first runs, poll runs keyed by their fragment."""
    page, action, count = ACTIONS[name]
    out, polled = [], {}
    for run in runs:
        if run.action == "poll":
            if 0 <= run.started - (out[-1][1].started + SETTLE_S) < WINDOW_S:
                polled.setdefault(run.fragment, []).append(run)
        elif len(out) < 2:
            out.append(("load" if not out else action, run))
    rows = [(what, {"messages": run.messages, "bytes": run.bytes}) for what, run in out]
    polls = [r for runs in polled.values() for r in runs]
    if polls:
        rows.append((f"polls in {WINDOW_S:.0f} s", {"messages": sum(r.messages for r in polls),
                                                  "bytes": sum(r.bytes for r in polls)}))
    return rows[:count]


class BrowserRuns:
    """Script runs read off a page's websocket frames as the server sent them: each starts at a new_session and
    ends at its script_finished. The frontend does not wait for one timed rerun before asking for the next, so
    runs are told apart by what the server sent, not by what the page asked; a run is a poll if its deltas belong
    to a fragment the server set to rerun on a timer (auto_rerun)."""

    def __init__(self, show=False):
        self.runs, self.show, self.changed, self.timed = [], show, asyncio.Event(), set()
        self.sent_sizes = []  # the size of every message the page sent
        self.media = set()  # the URL of every st.image and published file the server sent (/media/..., /files/...)

    def sent(self, payload):
        self.sent_sizes.append(len(payload))
        if self.show:
            msg = BackMsg()
            msg.ParseFromString(payload)
            print("Chromium sent:", msg)

    def received(self, payload):
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session" and (not self.runs or self.runs[-1].done):  # st.rerun() continues the same one
            self.runs.append(_Run("run", "", time.perf_counter()))
        if kind == "auto_rerun":
            self.timed.add(msg.auto_rerun.fragment_id)
        if not self.runs or self.runs[-1].done:
            return
        run = self.runs[-1]
        run.messages += 1
        run.bytes += len(payload)
        if kind == "delta" and not run.deltas:  # a full run draws the page's top first, outside any fragment
            run.fragment = msg.delta.fragment_id
            run.action = "poll" if run.fragment in self.timed else "run"
        run.deltas += kind == "delta"
        element = msg.delta.new_element if kind == "delta" and msg.delta.WhichOneof("type") == "new_element" else None
        if element is not None and element.WhichOneof("type") == "imgs":
            self.media |= {img.url for img in element.imgs.imgs if img.url.startswith("/media/")}
        if element is not None and element.WhichOneof("type") == "bidi_component" and element.bidi_component.json:
            self.media |= {f"/{u}" for u in named_files(json.loads(element.bidi_component.json))}
        if kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            run.done = True
            self.changed.set()

    async def until(self, test, timeout=120):
        async with asyncio.timeout(timeout):
            while not test(self):
                self.changed.clear()
                await self.changed.wait()

    def polls(self, since=0.0):
        return {r.fragment for r in self.runs if r.action == "poll" and r.done and r.started >= since}


class _Run:
    def __init__(self, action, fragment, started):
        self.action, self.fragment, self.started = action, fragment, started
        self.messages, self.bytes, self.deltas, self.done = 0, 0, 0, False


async def browser_action(browser, url: str, name: str, show=False) -> list:
    page_name, action, _ = ACTIONS[name]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    runs, responses = BrowserRuns(show), []
    page.on("websocket", lambda ws: (ws.on("framesent", runs.sent), ws.on("framereceived", runs.received)))
    page.on("response", lambda r: responses.append((time.perf_counter(), r)))
    try:
        await page.goto(f"{url}/{page_name}")
        await runs.until(lambda r: r.runs and r.runs[0].done)
        files = await page_files(url, responses, runs.media)
        done = lambda r: len([x for x in r.runs if x.action == "run"]) >= 2 and r.runs[-1].done  # noqa: E731
        if name == "explorer":
            await page.wait_for_selector(".vx-root[data-painted]")
            overlay = page.locator(".vx-overlay")
            await overlay.click(position=await _position(page, EXPLORER_Z))
            await runs.until(done)
        elif name == "lesson":
            await page.get_by_role("button", name="Next").click()
            await runs.until(done)
        elif name == "elbo_lab":
            await page.get_by_role("button", name="Random digit").click()
            await runs.until(done)
        elif name == "browser":  # the page's default: it trains in the browser
            await page.get_by_role("button", name="Start").click()
            await runs.until(done)
            await runs.until(lambda r: len(r.runs) >= 3 and r.runs[-1].done, timeout=300)  # its first epoch's end
            rows = [(what, {"messages": r.messages, "bytes": r.bytes})
                    for what, r in zip(("load", action, "report"), runs.runs)]
            return rows + [("report sent", {"messages": 1, "bytes": max(runs.sent_sizes)})]
        elif name == "train":  # on the server, for longer than the measurement (the settings' runs are not compared)
            await page.get_by_role("radio", name="On the server").click()
            await runs.until(done)
            await page.get_by_label("Epochs").fill(str(EPOCHS))
            await page.get_by_label("Epochs").press("Enter")
            await runs.until(lambda r: len(r.runs) >= 3 and r.runs[-1].done)
            del runs.runs[1:]
            await page.get_by_role("button", name="Start").click()
            await runs.until(done)
            await asyncio.sleep(SETTLE_S + WINDOW_S + 1)
            measured = label([r for r in runs.runs if r.done], name)
            await page.get_by_role("button", name="Stop").click()
            await runs.until(lambda r: len([x for x in r.runs if x.action == "run"]) >= 3 and r.runs[-1].done)
            return measured + files
        return label([r for r in runs.runs if r.done], name) + files
    finally:
        await context.close()


async def page_files(url: str, responses: list, media: set) -> list:
    """The FILES row of what Chromium fetched over HTTP as the page loaded, once nothing came for QUIET_S: every
    response from the app but Streamlit's own bundle (/static/) and the favicon (which Chromium fetches once for all
    its tabs, if at all), by its body's size on the wire."""
    def fetched():
        return {r.url[len(url):] for _, r in responses}

    give_up = time.perf_counter() + FILES_WAIT_S
    while (not responses or time.perf_counter() - responses[-1][0] < QUIET_S or not media <= fetched()) \
            and time.perf_counter() < give_up:
        await asyncio.sleep(0.2)
    mine = [r for _, r in responses if r.url.startswith(url)
            and not r.url[len(url):].startswith(("/static/", "/favicon.png"))]
    sizes = [(await r.request.sizes())["responseBodySize"] for r in mine]
    return [(FILES, {"messages": len(mine), "bytes": sum(sizes)})]


async def _position(page, z):
    """The overlay pixel of latent point z, read from the explorer's own view (data-view is set by its JS)."""
    view = json.loads(await page.locator(".vx-root").get_attribute("data-view") or "null")
    box = await page.locator(".vx-overlay").bounding_box()
    if not view:
        return {"x": box["width"] * 0.4, "y": box["height"] * 0.4}
    (x0, x1), (y0, y1) = view[0], view[1]
    return {"x": (z[0] - x0) / (x1 - x0) * box["width"], "y": (y1 - z[1]) / (y1 - y0) * box["height"]}
