"""Every page on every screen of a class, from a phone to a projector: nothing scrolls sideways, no element or
component (light or shadow DOM) reaches past the viewport, and the explorer's map sizes itself to the space it has,
fully in view on a 1366x768 projector. A screenshot of each page at each size goes to artifacts/screens/."""
import pytest

from conftest import ARTIFACTS
from ui.navigation import HOME, PAGES

SCREENS = {"desktop": (1920, 1080), "projector": (1366, 768), "tablet": (768, 1024), "phone": (390, 844)}
IDLE = "[data-testid='stStatusWidget']"

# Elements of the page, and those inside components' shadow roots, whose box leaves the viewport's width. Left out:
# the sidebar (off screen when collapsed), what an element scrolls inside its own box (a long formula on a phone),
# and plotly's measuring element, which it keeps far off screen on purpose.
OUTSIDE = """() => {
  const w = window.innerWidth, main = document.querySelector('[data-testid=stMain]');
  const parts = [...main.querySelectorAll('[data-testid=stElementContainer], .js-plotly-plot, canvas, img, table')];
  for (const host of main.querySelectorAll('*')) {
    if (host.shadowRoot) parts.push(...host.shadowRoot.querySelectorAll('canvas, svg, button, div'));
  }
  const clipped = parts.filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.left > -1000 && (box.right > w + 1 || box.left < -1);
  });
  return {page: document.documentElement.scrollWidth, main: main.scrollWidth, width: w,
          clipped: clipped.slice(0, 5).map((e) => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)};
}"""


@pytest.fixture
def screen_page(browser, request):
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page(), request.param
    context.close()


@pytest.mark.parametrize("screen_page", list(SCREENS), indirect=True)
def test_no_page_scrolls_sideways_or_clips_a_component(app_url, screen_page):
    page, screen = screen_page
    folder = ARTIFACTS / "screens" / screen
    folder.mkdir(parents=True, exist_ok=True)
    for key in PAGES:
        page.goto(f"{app_url}/{'' if key == HOME else key}")
        page.get_by_role("heading", name=PAGES[key][0], exact=False).first.wait_for(timeout=90000)
        if key == "explorer":
            page.wait_for_selector(".vx-root[data-painted]", timeout=90000)
        page.wait_for_selector(IDLE, state="detached", timeout=120000)
        page.wait_for_timeout(600)  # plotly lays its figures out once they are in the page
        found = page.evaluate(OUTSIDE)
        assert found["page"] <= found["width"] and found["main"] <= found["width"], (key, found)
        assert found["clipped"] == [], (key, found)
        if key == "explorer":
            the_explorers_map_takes_the_space_it_has(page, screen)
        page.screenshot(path=str(folder / f"{key}.png"))


def the_explorers_map_takes_the_space_it_has(page, screen):
    width, height = SCREENS[screen]
    box, plot = page.locator(".vx-overlay").bounding_box(), float(page.locator(".vx-overlay").get_attribute("data-size"))
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    if screen == "projector":
        assert box["y"] + box["height"] <= height  # the whole map in view, without scrolling
    digit = page.locator(".vx-decoded").bounding_box()
    assert digit["x"] + digit["width"] <= width and digit["width"] >= 200
    if screen == "desktop":
        assert plot > 480 and digit["width"] > 252  # larger than the fixed map and digit they replaced
    keys = page.locator(".vx-key").evaluate_all("keys => keys.map((k) => [k.offsetWidth, k.offsetHeight])")
    assert len(keys) == 10 and all(w >= 40 and h >= 40 for w, h in keys)  # a finger's touch target


FIGURES = ("[data-testid=stMain] .js-plotly-plot, [data-testid=stMain] [data-testid=stImage] img, "
           "[data-testid=stMain] svg.rp, [data-testid=stMain] .st-key-start_here_ae_map, "
           "[data-testid=stMain] [class*='st-key-start_here_map_']")  # plotly, images, the diagram, the canvas maps


# The toggle is on and its larger type applies; a figure has a box; and, for a failure's message, what is there.
PRESENTING = """() => document.querySelector('.st-key-start_here_presenter input')?.checked
  && parseFloat(getComputedStyle(document.querySelector('[data-testid=stMain] h1')).fontSize) > 50"""
DRAWN = """(sel) => [...document.querySelectorAll(sel)].some((e) => e.getBoundingClientRect().height > 0)"""
SEEN = """(sel) => ({figures: [...document.querySelectorAll(sel)].map((e) => e.tagName + ' ' +
  Math.round(e.getBoundingClientRect().height)), text: document.querySelector('[data-testid=stMain]').innerText.slice(0, 400)})"""


@pytest.mark.parametrize("screen_page", ["projector"], indirect=True)
def test_presenter_mode_fits_each_steps_main_figure_on_a_projector(app_url, screen_page):
    page, _ = screen_page
    width, height = SCREENS["projector"]
    for step in range(1, 7):
        page.goto(f"{app_url}/?step={step}")
        page.get_by_role("heading", name=f"{step} · ", exact=False).first.wait_for(timeout=90000)
        page.get_by_text("Presenter mode").click()
        page.wait_for_function(PRESENTING, timeout=60000)
        page.wait_for_selector(IDLE, state="detached", timeout=120000)
        figures = page.locator(FIGURES)
        try:  # any figure drawn: the first in the page's order may be one that is not shown
            page.wait_for_function(DRAWN, arg=FIGURES, timeout=60000)
        except Exception as exc:
            raise AssertionError(f"step {step}: no figure drawn; {page.evaluate(SEEN, FIGURES)}") from exc
        page.wait_for_timeout(600)  # plotly sizes its figures once they are in the page
        sizes = figures.evaluate_all("es => es.map((e) => e.getBoundingClientRect().height)")
        main = figures.nth(sizes.index(max(sizes)))  # the step's main figure: its largest
        box, before = None, {}
        for _ in range(20):  # figures above may still be growing: scroll again until the layout has settled
            main.evaluate("e => e.scrollIntoView({block: 'center'})")
            page.wait_for_timeout(200)
            box = main.bounding_box()
            if box == before:
                break
            before = box
        assert 0 <= box["y"] and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, (step, box)
