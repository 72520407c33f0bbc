"""Open a page under AppTest as a link would: its script, with the link's query parameters set before the first run."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def page(key: str, **params) -> AppTest:
    # the lesson links to other pages, which only app.py's navigation knows; it is the home page there
    script = ROOT / "app.py" if key == "start_here" else ROOT / "app_pages" / key / "page.py"
    at = AppTest.from_file(str(script), default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()
