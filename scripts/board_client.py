"""The Class board at the protocol level: a student's or the teacher's tab on the Class page (scripts/protocol_client's
Tab) that also reads the board it is sent, and the page's actions as the frontend sends them. Used by
tests/test_board_protocol.py and bench/board_speed.py.

A form's fields travel with its submit button's trigger, as the frontend sends them; a field typed into a form is
not a rerun of its own. A keyed button's id is a hash of its kind, its key and the page's script hash (which every
run tells the tab), so a client can name a button the page never drew: `element_id`.
"""
import asyncio
import re
import time

import pyarrow
from streamlit.elements.lib.utils import _compute_element_id
from streamlit.proto.WidgetStates_pb2 import WidgetState

from scripts.protocol_client import Tab
from vae.config import TrainConfig, VAEConfig
from vae.serve.checkpoint import checkpoint_bytes
from vae.trainer import build_model

SEND = "FormSubmitter:board_send-Send"
UNLOCK = "FormSubmitter:board_unlock-Unlock"
SENT = re.compile(r"On the board as #(\d+)\.")
OUTCOMES = ("On the board as #", "Not sent: ")
CODE = re.compile(r"the code \*\*([a-z0-9]+)\*\*")


class BoardTab(Tab):
    """A tab on the Class page that keeps the board's table as last received, and when each entry was first in it."""

    def __init__(self, base: str, code: str | None = None):
        super().__init__(base, "class_board", f"class={code}" if code else "")
        self.table: list[dict] | None = None  # the board's rows, as the last table received lists them
        self.seen: dict[int, float] = {}  # entry id -> perf_counter() when a table holding it first arrived
        self.headings: list[str] = []
        self.charts: dict[str, str] = {}  # widget key -> the plotly figure's JSON last received

    def _element(self, element, fragment_id: str, run):
        super()._element(element, fragment_id, run)
        kind = element.WhichOneof("type")
        if kind == "heading":
            self.headings.append(element.heading.body)
        elif kind == "plotly_chart":
            self.charts[element.plotly_chart.id.rsplit("-", 1)[-1]] = element.plotly_chart.spec
        elif kind == "dataframe" and element.dataframe.id.endswith("-board_table"):
            now = time.perf_counter()
            self.table = pyarrow.ipc.open_stream(element.dataframe.arrow_data.data).read_all().to_pylist()
            for row in self.table:
                self.seen.setdefault(row["#"], now)

    def ids(self) -> list[int]:
        return [row["#"] for row in self.table or []]


def element_id(tab: Tab, kind: str, key: str) -> str:
    """The id Streamlit gives the widget of kind `kind` ("button", "toggle", "checkbox") made with `key` on the
    tab's page, drawn or not (a keyed widget of these kinds is named by its key and page alone)."""
    return _compute_element_id(kind, key, active_script_hash=tab.script_hash)


def type_into(tab: Tab, key: str, text: str) -> None:
    """Type into a text field of a form: its value goes with the form's submit."""
    wid = tab.widget_id(key)
    tab.widgets[wid] = WidgetState(id=wid, string_value=text)


def outcome(texts: list[str]) -> str | None:
    return next((t for t in texts if t.startswith(OUTCOMES)), None)


async def send(tab: Tab, name: str, timeout: float = 180, answered: bool = True) -> str | None:
    """Type `name` and press Send; what the page said of it ("On the board as #N." or "Not sent: ..."). `answered`:
    the page has a Send to answer (False: a Send not drawn, or drawn disabled, pressed anyway; nothing is waited for
    beyond the run that press caused)."""
    seen = len(tab.texts)
    type_into(tab, "board_name", name)
    await tab.click(SEND, "send", timeout)
    deadline = time.perf_counter() + (timeout if answered else 0)
    while (said := outcome(tab.texts[seen:])) is None and time.perf_counter() < deadline and not tab.closed:
        # Under load the server folds a queued timed rerun into the Send's, and the run the tab matched to the click
        # can be another: the page's answer then comes in the run after. A Send the server never ran stays None.
        await asyncio.sleep(0.1)
    return said


def sent_id(said: str | None) -> int | None:
    found = SENT.fullmatch(said or "")
    return int(found[1]) if found else None


async def unlock(tab: Tab, key: str) -> None:
    """Open "For the teacher", type the key, press Unlock."""
    type_into(tab, "board_key", key)
    await tab.click(UNLOCK, "unlock")


async def new_class(tab: Tab) -> str:
    """Press "Start a new class" (an unlocked teacher's tab); the code the page then shows."""
    seen = len(tab.texts)
    await tab.click("board_new_class", "new class")
    found = [CODE.search(t) for t in tab.texts[seen:]]
    return next(f[1] for f in found if f)


def model_file(seed: int, data_sha256: str = "") -> bytes:
    """A small valid checkpoint of its own: the model of record, freshly initialised from `seed` (finite scores)."""
    return checkpoint_bytes(build_model(VAEConfig(), seed), TrainConfig(), data_sha256=data_sha256)
