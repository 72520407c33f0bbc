"""The Class board in Chromium, as a lab session runs it: the teacher unlocks the board with the key and starts a
class; two students open its link, each trains a model in their own browser, comes back (by the Train page's link
or the sidebar's) and sends it; the teacher's board, never reloaded, draws both on the rate-distortion chart and lists
both in the table; the teacher removes one (it leaves the students' boards too) and opens the other on the explorer
by the board's link. And a board of several models on a phone and projectors: nothing scrolls sideways, the chart and
the table are in view."""
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import ARTIFACTS, TEACHER_KEY, press_start
from test_screens_browser import OUTSIDE
from ui.board_store import board_db, entry_name
from vae.data import load_dataset
from vae.serve.board import submission
from vae.serve.board_db import add_entry, create_class, entries
from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint

SHOTS = ARTIFACTS / "class_board"
CHART, TABLE = ".st-key-board_chart .js-plotly-plot", ".st-key-board_table"
IDLE, SENT = "[data-testid='stStatusWidget']", "On the board as #"
SHOWS = "([field, option]) => document.querySelector(field)?.value === option"  # what a selectbox shows

# The class's points on the chart, {customdata: text}, from the plotly figure's own data in the page.
POINTS = """(g) => Object.fromEntries(g.data.filter((t) => t.customdata).flatMap(
  (t) => t.customdata.map((name, i) => [name, t.text[i]])).filter(([name]) => name.startsWith('class:')))"""
# The table's cells as glide-data-grid lists them for screen readers (id glide-cell-<column>-<row>): {row: [cells]}.
CELLS = """(t) => { const rows = {};
  for (const c of t.querySelectorAll('[id^=glide-cell-]')) {
    const [, col, row] = c.id.match(/glide-cell-(\\d+)-(\\d+)/); (rows[row] ??= [])[col - 1] = c.textContent; }
  return Object.values(rows); }"""


def until(page, what: str, read, check, timeout: float = 120):
    """Poll read() until check(value): the board redraws every 2 s by itself, so the test waits, never reloads."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            value = read()
            if check(value):
                return value
        except PlaywrightError:  # the element was being redrawn
            pass
        page.wait_for_timeout(250)
    raise AssertionError(f"never saw {what}; last seen: {value}")


def points(page) -> dict:
    return page.locator(CHART).evaluate(POINTS)


def table_names(page) -> list[str]:
    return [row[1] for row in page.locator(TABLE).evaluate(CELLS)]  # columns: #, name, ...


def chosen(page, key: str) -> str:
    """What the selectbox of widget key `key` shows."""
    return page.locator(f".st-key-{key} input").input_value()


def choose(page, key: str, option: str):
    """Pick `option` in the selectbox of key `key` and see it chosen; a click lost on a busy machine is tried again."""
    field = page.locator(f".st-key-{key} input")
    for _ in range(4):
        field.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5000)
            page.wait_for_function(SHOWS, arg=[f".st-key-{key} input", option], timeout=15000)
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise AssertionError(f"{key} did not take {option}")


def tab(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.add_init_script("window.loadedAt = performance.timeOrigin")  # a reload gives the page a new origin time
    return page


def sidebar(page, name: str, path: str):
    """Another page of the app through the sidebar's link, as a student goes there (the session stays)."""
    for _ in range(3):  # a click that lands while the page redraws is lost: click again
        page.get_by_role("link", name=name, exact=True).click()
        try:
            page.wait_for_url(lambda url: urlsplit(url).path.endswith(path), timeout=10000)
            return
        except PlaywrightError:
            pass
    raise AssertionError(f"the sidebar's link did not open {name}")


def train_one_epoch(page, beta: float | None):
    """On the Train page, a 1-epoch run in this browser (its default), until the server has its final weights."""
    sidebar(page, "Train", "/train")
    press_start(page, 1, beta)


def finished(page):
    view = page.locator(".bv-root")
    until(page, "the run finish in the browser", lambda: view.evaluate("(r) => r.dataset.status"),
          lambda s: s == "done", timeout=300)
    page.get_by_text("Save this model").wait_for(timeout=60000)  # the server has the weights the browser sent


def back_to_the_board(page, by_train_link: bool):
    """From the Train page to the Class board: the link under the finished run, or the sidebar's."""
    if by_train_link:
        page.get_by_role("link", name="Send it to your class's board").click()
        page.wait_for_url(lambda url: urlsplit(url).path.endswith("/class_board"), timeout=30000)
    else:
        sidebar(page, "Class board", "/class_board")


def send(page, code: str, name: str) -> int:
    """On the Class board, the class's code still there: send the session's run under `name`."""
    code_field = page.get_by_label("Class code", exact=True)
    until(page, "the class's code kept", code_field.input_value, lambda v: v == code, timeout=30)
    until(page, "the run offered to send", lambda: chosen(page, "board_model"), lambda v: v == "my training run (live)",
          timeout=30)
    page.get_by_label("Your name on the board").fill(name)
    page.get_by_role("button", name="Send").click()
    said = page.get_by_text(SENT)
    said.wait_for(timeout=60000)
    return int(re.search(r"#(\d+)", said.inner_text())[1])


def test_two_students_send_their_runs_to_the_teachers_board(app_url, browser, training_browser):
    teacher = tab(browser.new_context(viewport={"width": 1400, "height": 900}))
    teacher.goto(f"{app_url}/class_board")
    teacher.get_by_text("For the teacher").click()
    teacher.get_by_label("Teacher key", exact=True).fill(TEACHER_KEY)
    teacher.get_by_role("button", name="Unlock").click()
    teacher.get_by_role("button", name="Start a new class").click()
    teacher.get_by_text("Students open the Class page with the code").wait_for(timeout=30000)
    code = teacher.get_by_label("Class code", exact=True).input_value()
    link = teacher.locator("[data-testid=stCode]").filter(has_text=f"?class={code}").inner_text().strip()
    assert parse_qs(urlsplit(link).query) == {"class": [code]}
    teacher.locator(CHART).wait_for(timeout=60000)  # the shipped ladders, before any model of the class
    loaded = teacher.evaluate("window.loadedAt")
    assert points(teacher) == {}

    students = [tab(training_browser.new_context(viewport={"width": 1400, "height": 900})) for _ in range(2)]
    for student in students:
        student.goto(f"{app_url}/class_board?class={code}")
        student.get_by_text("Train a model on the Train page").wait_for(timeout=60000)
    for student, beta in zip(students, (None, 4)):  # two settings, so two models: both train at once
        train_one_epoch(student, beta)
    for student in students:
        finished(student)
    ids = {}
    for student, name, by_train_link in zip(students, ("Ada", "Grace"), (True, False)):
        back_to_the_board(student, by_train_link)
        ids[name] = send(student, code, name)
    names = {entry_name(code, i): f"#{i} {name}" for name, i in ids.items()}

    shown = until(teacher, "both models on the teacher's chart", lambda: points(teacher), lambda p: p == names)
    assert shown == names
    until(teacher, "both models in the teacher's table", lambda: table_names(teacher),
          lambda rows: sorted(rows) == ["Ada", "Grace"])
    teacher.get_by_role("heading", name="The board · 2 models").wait_for(timeout=30000)
    teacher.screenshot(path=str(_shots() / "teacher_two_models.png"))

    # The teacher removes Grace's model: it leaves every board, the students' too, none of them reloaded
    choose(teacher, "board_remove_pick", f"#{ids['Grace']} Grace")
    teacher.get_by_role("button", name="Remove", exact=True).click()
    teacher.get_by_text(f"#{ids['Grace']} removed.").wait_for(timeout=30000)
    kept = {entry_name(code, ids["Ada"]): f"#{ids['Ada']} Ada"}
    for page in (teacher, *students):
        until(page, "Grace's model gone from the chart", lambda: points(page), lambda p: p == kept)
        until(page, "Grace's model gone from the table", lambda: table_names(page), lambda rows: rows == ["Ada"])

    # ... and opens Ada's on the explorer with the board's link: the explorer shows that model
    until(teacher, "Ada's model looked at closer", lambda: chosen(teacher, "board_pick"),
          lambda v: v == f"#{ids['Ada']} Ada", timeout=30)
    teacher.get_by_role("link", name="the explorer").click()
    ada = entry_name(code, ids["Ada"])
    teacher.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("checkpoint") == [ada], timeout=60000)
    teacher.locator(f".vx-root[data-painted='{ada}']").wait_for(timeout=90000)
    assert chosen(teacher, "explorer_checkpoint") == f"class {code}, model #{ids['Ada']}"
    assert teacher.evaluate("window.loadedAt") == loaded  # the same page all along: the board redrew itself
    for page in (teacher, *students):
        assert page.errors == []
        page.context.close()


SCREENS = {"phone": (390, 844), "projector": (1366, 768), "desktop": (1920, 1080)}
SEEDED = ("bce-b025", "bce-b05", "bce", "bce-b2", "bce-b4", "bce-b8", "bce-z4", "mse", "fashion-bce", "notes")


@pytest.fixture(scope="module")
def seeded_class():
    """A board of shipped models as uploads: two ladders' worth, a Gaussian decoder, Fashion-MNIST, the notes' loss."""
    code = "screens" + str(time.time_ns())[-5:]
    create_class(board_db(), code)
    sets = {}
    for i, name in enumerate(SEEDED):
        ckpt = load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")
        dataset = ckpt.train_config.dataset
        data = sets.setdefault(dataset, load_dataset(dataset))
        add_entry(board_db(), code, submission(ckpt, data, f"Student {i + 1}", f"owner{i}", "upload"), 200)
    return code


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_board_fits_a_phone_and_a_projector(app_url, browser, seeded_class, screen):
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = tab(context)
    page.goto(f"{app_url}/class_board?class={seeded_class}")
    page.get_by_role("heading", name=f"The board · {len(SEEDED)} models").wait_for(timeout=90000)
    page.locator(CHART).wait_for(timeout=60000)
    choose(page, "board_pick", "#{id} {name}".format(**entries(board_db(), seeded_class)[0]))  # drawn when asked
    page.locator("[data-testid=stMain] .st-key-board_closer_map .js-plotly-plot").wait_for(timeout=90000)
    page.wait_for_selector(IDLE, state="detached", timeout=120000)
    page.wait_for_timeout(600)  # plotly lays its figures out once they are in the page
    found = page.evaluate(OUTSIDE)
    assert found["page"] <= width and found["main"] <= width, found
    assert found["clipped"] == [], found
    assert len(points(page)) == len(SEEDED) - 3  # on the MNIST Bernoulli view: all but mse, fashion-bce and notes
    assert len(until(page, "the table's rows", lambda: table_names(page), lambda rows: len(rows) >= 3)) >= 3
    for part in (CHART, TABLE):
        element = page.locator(part)
        element.scroll_into_view_if_needed()
        box = element.bounding_box()
        assert box["width"] > min(width, 1400) / 2 and box["height"] > 150, (part, box)
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, (part, box)
        assert 0 <= box["y"] < height and element.is_visible(), (part, box)
    # the legend wraps to rows on a phone: below the rate axis's title, not over it
    legend, title = (page.locator(f"{CHART} {e}").bounding_box() for e in (".legend", ".xtitle"))
    assert legend["y"] >= title["y"] + title["height"], (legend, title)
    page.screenshot(path=str(_shots() / f"board_{screen}.png"))
    assert page.errors == []
    context.close()


def _shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
