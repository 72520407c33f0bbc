"""Links in Chromium: each fixed parameter round-trips (open a link -> the view; change the view -> the URL; reload
-> the same view), the link field holds the address bar's link, and a hostile link gets its notice, no error."""
from urllib.parse import parse_qs, urlparse

from conftest import ARTIFACTS
from test_explorer_browser import axes, expected_z, shown_z
from vae.serve.query import point_text

IDLE = "[data-testid='stStatusWidget']"


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def settle(page):
    page.wait_for_selector(IDLE, state="detached", timeout=120000)
    page.wait_for_timeout(300)


def url_has(page, **params):
    """Wait until the address bar's query holds `params` (the page writes it at the end of a run)."""
    checks = " && ".join(f"q.get({k!r}) === {v!r}" for k, v in params.items())
    page.wait_for_function(f"() => {{ const q = new URL(location.href).searchParams; return {checks}; }}",
                           timeout=60000)


def same_link(a: str, b: str) -> bool:
    """The same page and query, however each is encoded (the field writes z=1.5,-0.5; the address bar 1.5%2C-0.5)."""
    a, b = urlparse(a), urlparse(b)
    return (a.netloc, a.path) == (b.netloc, b.path) and parse_qs(a.query) == parse_qs(b.query)


def link_field(page) -> str:
    page.get_by_role("button", name="Link to this view").click()
    text = page.locator("[data-testid='stPopoverBody'] [data-testid='stCode'] code").inner_text()
    page.keyboard.press("Escape")
    return text.strip()


def test_the_explorers_link_round_trips(app_url, page):
    page.goto(f"{app_url}/explorer?checkpoint=mse&z=1.5,-0.5")
    page.wait_for_selector(".vx-root[data-painted='mse']", timeout=90000)
    assert shown_z(page) == (1.5, -0.5)  # decoded in the browser, marked on the map
    page.get_by_text("1.5000").wait_for(state="attached", timeout=30000)  # and by the server, in the readout
    overlay = page.locator(".vx-overlay")
    a, box = axes(overlay), overlay.bounding_box()
    px, py = a["left"] + a["size"] * 0.3, a["top"] + a["size"] * 0.6
    page.mouse.click(box["x"] + px, box["y"] + py)
    z = expected_z(a, px, py)
    url_has(page, checkpoint="mse", z=point_text(z))
    assert query(page)["checkpoint"] == "mse" and same_link(link_field(page), page.url)
    before = query(page)["z"]
    page.reload()
    page.wait_for_selector(".vx-root[data-painted='mse']", timeout=90000)
    assert query(page)["z"] == before
    assert shown_z(page) == tuple(float(v) for v in before.split(","))
    assert page.console_errors == []


def test_the_lesson_elbo_lab_latent_map_and_mse_links_round_trip(app_url, page):
    page.goto(f"{app_url}/?step=4&digit=123")
    page.get_by_role("heading", name="4 · ", exact=False).first.wait_for(timeout=90000)
    settle(page)
    digit = page.get_by_label("Test digit (0-9999)").element_handle()  # on a cold server it fills in a moment later
    page.wait_for_function("e => e.value === '123'", arg=digit, timeout=30000)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="5 · ", exact=False).first.wait_for(timeout=60000)
    url_has(page, step="5")
    assert query(page) == {"step": "5"}  # step 5 picks no digit
    page.reload()
    page.get_by_role("heading", name="5 · ", exact=False).first.wait_for(timeout=90000)

    page.goto(f"{app_url}/elbo_lab?checkpoint=bce-binarized&digit=42")
    page.get_by_text("test digit 42:", exact=False).wait_for(timeout=90000)
    settle(page)
    digit = page.get_by_label("Test digit (0-9999)")
    digit.fill("43")
    digit.press("Enter")
    url_has(page, checkpoint="bce-binarized", digit="43")
    page.reload()
    page.get_by_text("test digit 43:", exact=False).wait_for(timeout=90000)

    page.goto(f"{app_url}/mse_vs_bce?tab=2")
    settle(page)
    assert page.get_by_role("tab", name="Blur, measured").get_attribute("aria-selected") == "true"
    page.get_by_role("tab", name="Why: the average").click()
    url_has(page, tab="3")
    page.reload()
    settle(page)
    assert page.get_by_role("tab", name="Why: the average").get_attribute("aria-selected") == "true"
    assert page.console_errors == []


def test_a_hostile_link_gets_its_notices_and_the_default_view(app_url, page):
    page.goto(f"{app_url}/explorer?checkpoint=%3Cscript%3Ealert(1)%3C/script%3E&z=1e308,nan&z=2,2&junk=" + "A" * 10_000)
    page.wait_for_selector(".vx-root[data-painted='bce']", timeout=90000)
    settle(page)
    main = page.get_by_test_id("stMain")
    for words in ("Ignored `checkpoint` in the link", "Ignored `z` in the link", "does not have"):
        assert main.get_by_text(words.replace("`", ""), exact=False).count() == 1
    assert page.locator("script:has-text('alert(1)')").count() == 0 and "alert(1)" not in main.inner_text()
    url_has(page, checkpoint="bce")
    assert query(page) == {"checkpoint": "bce"}
    page.screenshot(path=str(ARTIFACTS / "link_hostile.png"))
    assert page.locator("[data-testid='stException']").count() == 0 and page.console_errors == []
