"""Keyboard alone: pressing Tab from the top of the page reaches every control of the lesson (each of its steps) and
of the explorer and of Class and style, in the page and inside components; and the plane of each, once reached,
moves its point with the arrow keys. The controls are what the page holds that a pointer can operate (enabled buttons, inputs, selects,
links, and elements made focusable, displayed and not hidden), found in the DOM, light and shadow; Tab must land on
each of them. A segmented control or pills (the lesson's steps, its dataset) is one stop for Tab, as a radio group
is, and the arrow keys move along its options: Tab must reach the group, and ArrowRight from there every option."""
import pytest

from test_accessibility_browser import settle

NAME = """(e) => `${e.tagName.toLowerCase()} "${(e.getAttribute('aria-label') || e.innerText || e.value || '')
  .trim().replace(/\\s+/g, ' ').slice(0, 60)}"`"""
# Every control on the page, numbered (data-kbd) so that the element Tab lands on can be told apart; returns each
# one's description. Displayed ones only: what is not drawn cannot be operated by a pointer either.
CONTROLS = """() => {
  const name = """ + NAME + """;
  const roots = [document];  // and every shadow root, however deep
  for (let k = 0; k < roots.length; k++) roots.push(...[...roots[k].querySelectorAll('*')].map((e) => e.shadowRoot).filter(Boolean));
  const sel = 'button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea, '
    + 'a[href], summary, [tabindex]:not([tabindex="-1"])';
  const found = [];
  for (const root of roots) {
    for (const e of root.querySelectorAll(sel)) {
      if (!e.getClientRects().length || e.closest('[aria-hidden=true], [inert]') || e.tabIndex < 0
          || getComputedStyle(e).visibility === 'hidden') continue;
      const group = e.getAttribute('role') === 'radio' && e.closest('[data-testid=stButtonGroup]');
      if (group && !group.dataset.kbdGroup) group.dataset.kbdGroup = String(found.length);
      e.dataset.kbd = String(found.length);
      found.push({name: name(e), group: group ? group.dataset.kbdGroup : null});
    }
  }
  return found;
}"""
# The element that has the focus, looking into components' shadow roots: its number, or, for an element drawn
# again since the controls were numbered (the explorer's legend is rebuilt on every redraw), its description.
FOCUSED = """() => {
  let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
  if (!e || e === document.body) return null;
  return e.dataset.kbd ?? (""" + NAME + """)(e);
}"""


def number(controls, reached, at):
    """The control `at` stands for: its number, or the first not yet reached of that description."""
    if at is None or str(at).isdigit():
        return None if at is None else int(at)
    return next((i for i, c in enumerate(controls) if c["name"] == at and i not in reached), None)


def tab_through(page, limit=250):
    """Press Tab until the focus comes back round; returns the controls' descriptions and the set Tab reached,
    with each group's options that ArrowRight reaches from the one Tab lands on."""
    controls = page.evaluate(CONTROLS)
    page.locator("body").focus()
    reached, order = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        at = page.evaluate(FOCUSED)
        if at is not None and order and at == order[0] and len(order) > 1:
            break
        if at is not None:
            order.append(at)
            if number(controls, reached, at) is not None:
                reached.add(number(controls, reached, at))
    for first in sorted(reached):
        group = controls[first]["group"]
        if group is None or any(controls[i]["group"] == group for i in reached if i < first):
            continue
        page.locator(f"[data-kbd='{first}']").focus()
        for _ in range(sum(c["group"] == group for c in controls)):
            page.keyboard.press("ArrowRight")
            at = number(controls, reached, page.evaluate(FOCUSED))
            if at is not None:
                reached.add(at)
    return [c["name"] for c in controls], reached


@pytest.fixture
def kbd_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("step", range(1, 7))
def test_tab_reaches_every_control_of_each_lesson_step(app_url, kbd_page, step):
    kbd_page.app_url = app_url
    settle(kbd_page, "start_here", f"?step={step}")
    controls, reached = tab_through(kbd_page)
    assert len(controls) > 10  # the steps, Next, the toggle, the sidebar's pages: the page was read
    missed = [c for i, c in enumerate(controls) if i not in reached]
    assert not missed, f"step {step}: Tab never reaches {missed}"


def arrows_move_the_point(page, prefix):
    """The plane (class `{prefix}-overlay`), reached by Tab alone, moves the decoded point (its label `.{prefix}-z`):
    right 0.1, then up 0.5 with Shift."""
    page.locator("body").focus()
    focused = (f"() => document.activeElement?.shadowRoot?.activeElement?.classList.contains('{prefix}-overlay')"
               f" || document.activeElement?.classList.contains('{prefix}-overlay')")
    for _ in range(250):
        page.keyboard.press("Tab")
        if page.evaluate(focused):
            break
    else:
        raise AssertionError("Tab never focuses the plane")
    z = page.locator(f".{prefix}-z")
    before = (float(z.get_attribute("data-z1")), float(z.get_attribute("data-z2")))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    page.wait_for_function("""([a, b, sel]) => { const z = document.querySelector(sel) ||
        [...document.querySelectorAll('*')].map((e) => e.shadowRoot?.querySelector(sel)).find(Boolean);
        return Math.abs(+z.dataset.z1 - a - 0.1) < 1e-6 && Math.abs(+z.dataset.z2 - b - 0.5) < 1e-6; }""",
                           arg=[*before, f".{prefix}-z"], timeout=10000)
    assert "z = (" in z.inner_text()


def tab_reaches_every_control(page, app_url, key, plane):
    """Open page `key`; Tab lands on each of its controls, its plane (named `plane`) among them."""
    page.app_url = app_url
    settle(page, key)
    controls, reached = tab_through(page)
    assert any(plane in c.lower() for c in controls)
    missed = [c for i, c in enumerate(controls) if i not in reached]
    assert not missed, f"Tab never reaches {missed}"
    return page


def test_tab_reaches_every_control_of_the_explorer_and_the_arrows_move_its_point(app_url, kbd_page):
    page = tab_reaches_every_control(kbd_page, app_url, "explorer", "latent plane")

    arrows_move_the_point(page, "vx")

    # The legend's double-click, from the keyboard: Shift+Enter on a class's key shows that class alone.
    page.locator(".vx-key[data-digit='3']").focus()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("""() => { const root = document.querySelector('.vx-root') ||
        [...document.querySelectorAll('*')].map((e) => e.shadowRoot?.querySelector('.vx-root')).find(Boolean);
        const keys = [...root.querySelectorAll('.vx-key')];
        return keys.length === 10 && keys.every((k) => k.getAttribute('aria-pressed') === String(k.dataset.digit === '3')); }""",
                           timeout=10000)


def test_tab_reaches_every_control_of_class_and_style_and_the_arrows_move_its_point(app_url, kbd_page):
    page = tab_reaches_every_control(kbd_page, app_url, "class_style", "style plane")
    arrows_move_the_point(page, "cs")
    # Python received the point when the key was released: the link follows it
    z = page.locator(".cs-z")
    page.wait_for_function("z => new URL(location.href).searchParams.get('z') === z",
                           arg=f"{round(float(z.get_attribute('data-z1')), 4):g},{round(float(z.get_attribute('data-z2')), 4):g}",
                           timeout=60000)
