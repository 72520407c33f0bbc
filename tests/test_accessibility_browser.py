"""Every page, as a projected class sees it: axe-core (vendor/axe-core, pinned) finds no violation of the WCAG 2.0 and
2.1 A and AA rules on any page of ui/navigation.PAGES (and each step of the lesson), in the light and the dark theme,
on a projector (1366x768) and a phone (390x844), once the page has settled and with every expander opened; and no
button's label is cut short ("Previ…") there.

The theme follows the browser's colour scheme (.streamlit/config.toml has a [theme.light] and a [theme.dark]), so a
context's color_scheme chooses it, and a page follows it as it changes. One server, and one load of each page per
screen, read in light and then switched to dark in place, serve both checks; a few views load at once."""
import secrets
from pathlib import Path

import pytest

from ui.board_store import board_db
from ui.navigation import HOME, PAGES
from vae.serve.board_db import create_class

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
SCREENS = {"projector": (1366, 768), "phone": (390, 844)}
THEMES = ("light", "dark")
# Every page of the table, so that a page added later is checked too; and the lesson's later steps.
PAGE_VIEWS = [(key, "") for key in PAGES]
STEP_VIEWS = [("start_here", f"?step={k}") for k in range(2, 7)]
SCHEME = "(theme) => getComputedStyle(document.querySelector('.stApp')).colorScheme === theme"
IDLE = "[data-testid='stStatusWidget']"
AT_ONCE = 4  # views loading together, in tabs of their own: each one's waits overlap the others' drawing
# The pages whose map is a component that receives its data after the page is drawn, and how it says it is painted
PAINTED = {"explorer": ".vx-root[data-painted]", "class_style": ".cs-root[data-painted]"}
# Left out of axe's checks, each with its reason. Nothing so far: every finding has been fixed in the app.
EXCLUDED: dict[str, str] = {}

RUN_AXE = """([tags, exclude]) => axe.run({exclude}, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then((r) => r.violations.flatMap((v) => v.nodes.map((n) => ({id: v.id, impact: v.impact, target: n.target,
    summary: n.failureSummary.replace(/\\s+/g, ' ').trim()}))))"""
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Plotly has drawn each figure and the maps of the explorer and of Class and style are painted; returns how many
# elements the page holds, shadow roots included, or 0 until then. settle() waits for that count to hold still, so
# that a component still receiving its data has built its elements: what axe then reads is what the class sees.
SETTLED = """() => {
  const roots = [document];  // and every shadow root, however deep
  for (let k = 0; k < roots.length; k++) roots.push(...[...roots[k].querySelectorAll('*')].map((e) => e.shadowRoot).filter(Boolean));
  const all = (sel) => roots.flatMap((r) => [...r.querySelectorAll(sel)]);
  const drawn = all('.js-plotly-plot').every((p) => p.querySelector('.main-svg'))
    && !all('.vx-root:not([data-painted]), .cs-root:not([data-painted])').length;
  return drawn ? all('*').length : 0;
}"""

# The app's own CSS (ui/theme.py) is in effect and the page's fonts are loaded: both change the layout axe reads.
THEMED = """() => document.fonts.status === 'loaded'
  && getComputedStyle(document.querySelector('.stApp')).getPropertyValue('--vae-theme').trim() === '1'"""

# A label cut short: any displayed button (in the page, or in a component's shadow root) with an element whose
# content is wider than its box. Streamlit cuts a long label with an ellipsis inside the button's <p>.
CUT = """() => {
  const roots = [document, ...[...document.querySelectorAll('*')].map((e) => e.shadowRoot).filter(Boolean)];
  const cut = [];
  for (const root of roots) {
    for (const button of root.querySelectorAll('button, [role=button]')) {
      if (!button.getClientRects().length || !button.innerText.trim()) continue;
      const over = [button, ...button.querySelectorAll('*')].filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1);
      if (over.length) cut.push(`"${button.innerText.trim().replace(/\\s+/g, ' ')}" ${over[0].clientWidth}px shows ${over[0].scrollWidth}px`);
    }
  }
  return cut;
}"""


# A disabled button's label is exempt from WCAG's contrast rule (axe skips it), yet it must not vanish: the label's
# colour (its transparency applied) against the first opaque background behind it, at least 2:1.
FADED = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, k) => sum + v * [0.2126, 0.7152, 0.0722][k], 0);
  const behind = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  const over = ([r, g, b, a = 1], under) => [r, g, b].map((v, k) => a * v + (1 - a) * under[k]);  // a faded label
  const out = [];
  for (const button of document.querySelectorAll('button:disabled')) {
    if (!button.getClientRects().length || !button.innerText.trim()) continue;
    const under = behind(button).slice(0, 3), [a, b] = [lum(over(rgb(getComputedStyle(button).color), under)), lum(under)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 2) out.push(`"${button.innerText.trim()}" ${ratio.toFixed(2)}:1`);
  }
  return out;
}"""


def settle(page, key, query="", expanded=False):
    """Open page `key` and wait until it is drawn: the script run over, its figures drawn, its map painted, and
    nothing added to the page for 0.6 s (after opening every expander, if `expanded`)."""
    page.goto(f"{page.app_url}/{'' if key == HOME else key}{query}")
    drawn(page, key, expanded)


def drawn(page, key, expanded=False):
    """Wait until the page opened on `key` is drawn, as settle() does."""
    page.get_by_role("heading", name=PAGES[key][0], exact=False).first.wait_for(timeout=90000)
    if key in PAINTED:
        page.wait_for_selector(PAINTED[key], timeout=90000)
    page.wait_for_selector(IDLE, state="detached", timeout=120000)
    page.wait_for_function(THEMED, timeout=60000)
    if expanded:
        page.evaluate("() => document.querySelectorAll('details:not([open]) > summary').forEach((s) => s.click())")
    hold_still(page, key)


def hold_still(page, key):
    """Wait until the page's element count holds still for 0.6 s, its figures drawn."""
    before = None
    for _ in range(200):
        page.wait_for_timeout(600)  # plotly lays its figures out once they are in the page
        now = page.evaluate(SETTLED)
        if now and now == before:
            return
        before = now
    raise AssertionError(f"{key}: the page never settled")


@pytest.fixture(scope="module", params=list(SCREENS))
def seen(request, browser, app_url):
    """Every page once on one screen, in both themes: {(theme, view): (axe's violations, buttons cut short)}. Each view
    is loaded once; the theme follows the browser's colour scheme as it changes, so the dark run reads the same page
    switched over (the figures drawn again in the dark theme before axe looks)."""
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=THEMES[0])
    found = {}
    code = "a" + secrets.token_hex(4)  # and a class's board, whose Send is greyed out until there is a model to send
    create_class(board_db(), code)
    views = PAGE_VIEWS + STEP_VIEWS + [("class_board", f"?class={code}")]
    for batch in (views[k:k + AT_ONCE] for k in range(0, len(views), AT_ONCE)):
        tabs = []  # a tab per view: one tab through them all holds every figure's memory
        for key, query in batch:
            tabs.append(context.new_page())
            tabs[-1].goto(f"{app_url}/{'' if key == HOME else key}{query}", wait_until="commit")
        for page, (key, query) in zip(tabs, batch):
            page.bring_to_front()  # a tab behind others draws late (its theme switch half applied when axe reads)
            drawn(page, key, expanded=True)
            page.add_script_tag(path=str(AXE))
            for theme in THEMES:
                if theme != THEMES[0]:
                    page.emulate_media(color_scheme=theme)
                    page.wait_for_function(SCHEME, arg=theme, timeout=30000)
                    hold_still(page, key)
                found[theme, key + query] = (page.evaluate(RUN_AXE, [TAGS, list(EXCLUDED)]), page.evaluate(CUT),
                                             page.evaluate(FADED))
            page.close()
    context.close()
    return found


def test_the_theme_is_the_one_asked_for(browser, app_url):
    """The dark theme applies in a dark browser (so the dark runs below check the dark theme), the light otherwise."""
    for theme, expected in (("light", "light"), ("dark", "dark")):
        context = browser.new_context(color_scheme=theme)
        page = context.new_page()
        page.goto(f"{app_url}/latent_map")
        page.get_by_role("heading", name=PAGES["latent_map"][0]).first.wait_for(timeout=90000)
        assert page.evaluate("getComputedStyle(document.querySelector('.stApp')).colorScheme") == expected
        context.close()


def test_axe_finds_no_violation_on_any_page(seen):
    found = [f"{theme} {key}: {v['id']} ({v['impact']}) at {v['target']}: {v['summary']}"
             for (theme, key), (violations, _, _) in seen.items() for v in violations]
    assert {(theme, key) for theme in THEMES for key in PAGES} <= set(seen)
    assert not found, "\n".join(found)


def test_no_button_label_is_cut_short(seen):
    cut = [f"{theme} {key}: {c}" for (theme, key), (_, buttons, _) in seen.items() for c in buttons]
    assert not cut, "\n".join(cut)


def test_a_disabled_buttons_label_stays_readable(seen):
    """The Class board's Send, greyed out until there is a model to send, is one (the Train page's Start while a
    model trains is another: tests/test_train_page.py)."""
    faded = [f"{theme} {key}: {f}" for (theme, key), (_, _, found) in seen.items() for f in found]
    assert not faded, "\n".join(faded)
