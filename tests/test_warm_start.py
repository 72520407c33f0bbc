"""A server fills the pages' caches before it answers anyone (ui/warm_start.py, called by server.py): a fresh server's
first visitor of the lesson finds its first figure built, and gets the same figure the page draws by itself.

What a server holds is read from Streamlit's own /_stcore/metrics (one line per cached function holding something),
asked before any visit; the figure is compared with the one AppTest's run of the lesson draws in this process."""
import asyncio
import concurrent.futures
import json
import re
import urllib.request

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from scripts.appserver import app_server
from scripts.protocol_client import Tab
from ui.chart import unpacked

CACHED = re.compile(r'cache_type="st_cache_(?:data|resource)",cache="([^"]+)"')
LESSON_FIRST_RUN = {"images", "_checkpoint", "_names", "_encoded", "code_map"}  # the lesson's step 1 reads these
EXPLORER_FIRST_RUN = {"_payload"}  # the explorer's header and its published arrays
MAP = "start_here_ae_map"  # the key of the lesson's first figure
ELBO_LAB_FIRST_RUN = {"_decomposition", "_iwae", "_gradients", "shared_draws"}  # its first digit, its pool


def cached(url: str) -> set[str]:
    with urllib.request.urlopen(f"{url}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as r:
        return {name.rsplit(".", 1)[-1] for name in CACHED.findall(r.read().decode())}


async def first_map(url: str) -> dict:
    """The data of the lesson's first map (a canvas chart), as a first visit receives it."""
    tab, specs = Tab(url, ""), []
    receive = tab._receive

    def keep(frame):
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        element = msg.delta.new_element if msg.WhichOneof("type") == "delta" else None
        if element and element.WhichOneof("type") == "bidi_component" and element.bidi_component.id.endswith(MAP):
            specs.append(json.loads(msg.delta.new_element.bidi_component.json))
        receive(frame)

    tab._receive = keep
    try:
        await tab.open()
    finally:
        await tab.close()
    return specs[0]


def test_a_fresh_server_holds_the_lessons_first_figure_before_anyone_visits(tmp_path):
    log = tmp_path / "server.log"
    with app_server(log, env={"VAE_WARM_WAIT_S": "80"}) as url:  # a busy machine too: all of it before it answers
        before = cached(url)
        wanted = LESSON_FIRST_RUN | EXPLORER_FIRST_RUN | ELBO_LAB_FIRST_RUN
        assert wanted <= before, f"not filled before the first visit: {wanted - before}"
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a browser test before this one in the same worker
            served = pool.submit(asyncio.run, first_map(url)).result()  # leaves Playwright's event loop in this thread
        assert LESSON_FIRST_RUN <= cached(url)
    printed = log.read_text()
    warmed = re.search(r"Warmed up before the first visitor: imports [\d.]+ s, checkpoints [\d.]+ s, (.*)", printed)
    assert warmed and re.search(r"explorer [\d.]+ s", warmed[1]) and re.search(r"start_here [\d.]+ s", warmed[1])
    assert re.search(r"elbo_lab [\d.]+ s", warmed[1])
    assert "Traceback" not in printed

    drawn = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # the home page: the lesson
    assert not drawn.exception
    own = next(json.loads(c.proto.json) for c in drawn.get("bidi_component") if c.proto.id.endswith(MAP))
    assert served == own
    assert sum(len(unpacked(s["x"])) for s in own["panels"][0]["series"][:10]) == 10_000
