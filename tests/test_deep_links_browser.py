"""Every page's URL works as the very first visit to a fresh server: a teacher who starts the app and shares a link
gives the room the app itself, not Streamlit's legacy pages-folder view of it (which lists `app` among the pages,
runs the page without app.py, and so has no sidebar upload and no wide layout).

Each case starts its OWN server: the shared fixture's server has been visited already, which would hide the bug."""
import pytest

from conftest import ARTIFACTS
from scripts.appserver import app_server
from ui.navigation import HOME, PAGES

# a link reads "<icon name>\n\n<title>": the material icon is drawn from its name, so the name is in the text
LINKS = [f"{icon.strip(':').split('/')[-1]}\n\n{title}" for title, icon in PAGES.values()]


@pytest.mark.parametrize("key", list(PAGES))
def test_a_deep_link_is_the_app_on_a_fresh_server(page, key):
    with app_server(ARTIFACTS / f"deep_link_{key}.log") as url:
        page.goto(f"{url}/{'' if key == HOME else key}")
        page.get_by_role("heading", name=PAGES[key][0], exact=False).first.wait_for(timeout=90000)
        page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
        page.get_by_text("Open your own checkpoint (.safetensors)").wait_for(timeout=30000)  # app.py's sidebar
        nav = page.locator("[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']")
        nav.nth(len(LINKS) - 1).wait_for(timeout=30000)
        assert nav.all_inner_texts() == LINKS  # the app's titles and icons; no `app` entry
        active = page.locator("[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink'][aria-current='page']")
        assert active.inner_text().endswith(PAGES[key][0])
        assert page.locator("[data-testid='stMain'] .stMainBlockContainer").bounding_box()["width"] > 1000  # wide
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("This app has encountered an error").count() == 0
        assert page.console_errors == []
