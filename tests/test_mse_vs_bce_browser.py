"""The MSE vs BCE page in a real Chromium: the side-by-side panels render and nothing is logged as an error."""
from playwright.sync_api import expect

from conftest import ARTIFACTS


def test_mse_vs_bce_renders_side_by_side_panels(app_url, page):
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90000)
    # Through the sidebar, as a student would: loading a deep link directly makes Streamlit's frontend probe
    # <page>/_stcore/health first, and the browser logs that probe's 404 (streamlit/streamlit#7074).
    page.get_by_role("link", name="MSE vs BCE").click()
    page.wait_for_url(f"{app_url}/mse_vs_bce*", timeout=30000)  # the page writes its view into the query
    page.get_by_role("heading", name="MSE vs BCE: why VAEs blur").wait_for(timeout=90000)
    for name in ("original", "bce", "mse"):  # the rows of the reconstruction panel
        page.locator(".js-plotly-plot .ytick text", has_text=name).first.wait_for(timeout=90000)
    # The other tabs' charts are in the DOM too (hidden), so count only the visible tab's painted heatmaps, and wait
    # for them one by one: each plotly chart paints on its own schedule.
    panels = page.locator("[data-testid='stTabPanel']:visible .js-plotly-plot .heatmaplayer image")
    expect(panels).to_have_count(4, timeout=90000)  # reconstructions, prior samples, and the two decoded grids
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "mse_vs_bce.png"), full_page=True)
    assert page.console_errors == []
