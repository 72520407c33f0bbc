"""What a server process does before it answers anyone: what every page's first run would otherwise do for its
first visitor. Importing torch, plotly and pandas takes seconds once per process; listing the shipped checkpoints
reads every one of them (the pages list them by dataset); the test set every page shows is read, and the browser's
training code every page's relay names is published. Each page package may add its own in a module `warm` with a
function warm() (app_pages.warm_ups finds them; the lesson's draws its first map). A cold server's first visitor
then waits for the page alone: on a busy machine (load average 15-50) the lesson's first figure came 17-22 s after
the visit began, and now in 7-9 s, as fast as a second visitor's (bench/cold_start.py); the server answers later by
about as much. On a machine so busy that this takes longer than WAIT_S, the server answers anyway (a hall or a
test waits for its health check a couple of minutes at most) and the rest goes on beside its first visits.

The caches filled here are the ones the pages read (st.cache_resource / st.cache_data, shared by every session),
filled outside a script run: Streamlit warns of each such call, which is the design here, so its warnings are held
back while this runs. Whatever fails is logged and left for the first visitor's run, as before.
"""
import logging
import threading
import time

LOG = logging.getLogger(__name__)
QUIET = ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api")
WAIT_S = 30.0  # at most this long before the server answers (about 4 s on an idle 2-core machine)


def warm_start(page_warm_ups: dict, wait: float = WAIT_S) -> tuple[dict, bool]:
    """Fill what the pages' first runs read, for `wait` seconds at most: ({what: seconds it took}, whether all done).
    What is left goes on in a thread of its own."""
    took = {}
    worker = threading.Thread(target=_warm, args=(page_warm_ups, took), name="warm-start", daemon=True)
    worker.start()
    worker.join(wait)
    return dict(took), not worker.is_alive()


def _warm(page_warm_ups: dict, took: dict) -> None:
    """The shared caches, then each page's own ({page key: its warm function}), timing each into `took`."""
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    started = time.perf_counter()
    try:
        from ui.browser_training import code_urls
        from ui.models import checkpoint_names, images  # torch, with the models' code
        import plotly.graph_objects  # noqa: F401 -- every page's figures
        took["imports"] = _lap(started)
        images("mnist")
        for dataset in (None, "mnist", "fashion-mnist"):  # what the pages' pickers list
            checkpoint_names(dataset)
        code_urls()  # every page's relay names the browser's training code, published once
        took["checkpoints"] = _lap(started + sum(took.values()))
        for key, warm in page_warm_ups.items():
            warm()
            took[key] = _lap(started + sum(took.values()))
    except Exception:  # noqa: BLE001 -- a server that could not warm up still serves, its first visitor waits
        LOG.exception("warming up before the first visitor failed; the first visits fill the caches instead")
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _lap(since: float) -> float:
    return round(time.perf_counter() - since, 2)
