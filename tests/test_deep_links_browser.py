"""Every page's URL works as the very first visit to a fresh server: a teacher who starts the app and shares a link
gives the room the app itself, not Streamlit's legacy pages-folder view of it (which lists `app` among the pages,
runs the page without app.py, and so has no sidebar upload and no wide layout).

The server is the test's OWN: the shared fixture's server has been visited already, which would hide the bug. Every
page's link but the home page's is opened at once, as a room would, so that each is among the server's first
visits and none comes after a visit of the home page; the home page's link is opened last."""
from conftest import ARTIFACTS, open_page
from scripts.appserver import app_server
from ui.navigation import HOME, PAGES

# a link reads "<icon name>\n\n<title>": the material icon is drawn from its name, so the name is in the text
LINKS = [f"{icon.strip(':').split('/')[-1]}\n\n{title}" for title, icon in PAGES.values()]


def assert_the_app(page, key):
    page.get_by_role("heading", name=PAGES[key][0], exact=False).first.wait_for(timeout=120000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=180000)
    page.get_by_text("Open your own checkpoint (.safetensors)").wait_for(timeout=30000)  # app.py's sidebar
    nav = page.locator("[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']")
    nav.nth(len(LINKS) - 1).wait_for(timeout=30000)
    assert nav.all_inner_texts() == LINKS, key  # the app's titles and icons; no `app` entry
    active = page.locator("[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink'][aria-current='page']")
    assert active.inner_text().endswith(PAGES[key][0]), key
    assert page.locator("[data-testid='stMain'] .stMainBlockContainer").bounding_box()["width"] > 1000, key  # wide
    assert page.locator("[data-testid='stException']").count() == 0, key
    assert page.get_by_text("This app has encountered an error").count() == 0, key
    assert page.console_errors == [], key


def test_every_deep_link_is_the_app_on_a_fresh_server(browser):
    with app_server(ARTIFACTS / "deep_links.log") as url:
        tabs = {key: open_page(browser) for key in PAGES if key != HOME}
        try:
            for key, tab in tabs.items():
                tab.goto(f"{url}/{key}", wait_until="commit")
            for key, tab in tabs.items():
                assert_the_app(tab, key)
            tabs[HOME] = open_page(browser)
            tabs[HOME].goto(url)
            assert_the_app(tabs[HOME], HOME)
        finally:
            for tab in tabs.values():
                tab.context.close()
