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

CACHED = re.compile(r'cache_type="st_cache_(?:data|resource)",cache="([^"]+)"')
LESSON_FIRST_RUN = {"images", "_checkpoint", "_names", "_encoded", "code_map"}  # the lesson's step 1 reads these
EXPLORER_FIRST_RUN = {"_payload"}  # the explorer's header and its published arrays
ELBO_LAB_FIRST_RUN = {"_decomposition", "_iwae", "_gradients", "shared_draws"}  # its first digit, its pool


def cached(url: str) -> set[str]:
    with urllib.request.urlopen(f"{url}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as r:
        return {name.rsplit(".", 1)[-1] for name in CACHED.findall(r.read().decode())}


async def first_map(url: str) -> dict:
    """The spec of the lesson's first map, as a first visit receives it."""
    tab, specs = Tab(url, ""), []
    receive = tab._receive

    def keep(frame):
        msg = ForwardMsg()
        msg.ParseFromString(frame)
        if msg.WhichOneof("type") == "delta" and msg.delta.new_element.WhichOneof("type") == "plotly_chart":
            specs.append(json.loads(msg.delta.new_element.plotly_chart.spec))
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
    own = json.loads(drawn.get("plotly_chart")[0].proto.spec)
    assert served["data"] == own["data"] and served["layout"] == own["layout"]
    assert sum(len(t["x"]["bdata"]) if isinstance(t["x"], dict) else len(t["x"]) for t in own["data"]) > 10_000
