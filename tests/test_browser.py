"""The app in a real Chromium: pages load, render their figures, and log no errors."""
from conftest import ARTIFACTS


def test_latent_map_renders_in_chromium(app_url, page):
    page.goto(app_url)
    page.get_by_role("link", name="Latent map", exact=True).click()  # the home page is the lesson
    page.get_by_role("heading", name="Latent map", exact=True).wait_for(timeout=60000)
    page.wait_for_selector(".js-plotly-plot .legend", timeout=60000)
    legend = page.locator(".js-plotly-plot .legend .traces")
    assert legend.count() == 10
    assert page.get_by_text("Test loss (−ELBO), nats per image").is_visible()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "latent_map.png"), full_page=True)
    assert page.console_errors == []
