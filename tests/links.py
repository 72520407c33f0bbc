"""Open a page under AppTest as a link would: its script, with the link's query parameters set before the first run."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


# pages with st.page_link, which only app.py's navigation can resolve
LINKING = ("start_here", "latent_size", "class_board", "train")


def page(key: str, **params) -> AppTest:
    script = ROOT / "app.py" if key in LINKING else ROOT / "app_pages" / key / "page.py"
    at = AppTest.from_file(str(script), default_timeout=120)
    if key in LINKING and key != "start_here":  # the lesson is app.py's home page; the others are switched to
        at.run().query_params.clear()  # (after a first run, as AppTest.switch_page requires)
        at.switch_page(f"app_pages/{key}/page.py")
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()
