"""What a server process does before it answers anyone: what every page's first run would otherwise do for its
first visitor. Importing torch, plotly and pandas takes seconds once per process, and listing the shipped
checkpoints reads every one of them (the pages list them by dataset); the test set every page shows is read, and
each page package may add its own in a module `warm` with a function warm() (app_pages.warm_ups finds them; the
lesson's draws its first figure). A cold
server's first visitor then waits for the page alone: the lesson's first figure came 14.7 s after the visit began
on a busy machine, and comes in about 1 s (bench/cold_start.py).

The caches filled here are the ones the pages read (st.cache_resource / st.cache_data, shared by every session),
filled outside a script run: Streamlit warns of each such call, which is the design here, so its warnings are held
back while this runs. Whatever fails is logged and left for the first visitor's run, as before.
"""
import logging
import time

LOG = logging.getLogger(__name__)
QUIET = ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api")


def warm_start(page_warm_ups: dict) -> dict:
    """Fill what the pages' first runs read: the shared caches, then each page's own ({page key: its warm function}).
    Returns {what: seconds}."""
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    took, started = {}, time.perf_counter()
    try:
        from ui.models import checkpoint_names, images  # torch, with the models' code
        import plotly.graph_objects  # noqa: F401 -- every page's figures
        took["imports"] = _lap(started)
        images("mnist")
        for dataset in (None, "mnist", "fashion-mnist"):  # what the pages' pickers list
            checkpoint_names(dataset)
        took["checkpoints"] = _lap(started + sum(took.values()))
        for key, warm in page_warm_ups.items():
            warm()
            took[key] = _lap(started + sum(took.values()))
    except Exception:  # noqa: BLE001 -- a server that could not warm up still serves, its first visitor waits
        LOG.exception("warming up before the first visitor failed; the first visits fill the caches instead")
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
    return took


def _lap(since: float) -> float:
    return round(time.perf_counter() - since, 2)
