"""In Chromium, through nginx in front of two replicas: when the student's replica is killed, Streamlit's own
frontend reconnects, nginx takes it to the live replica, and the student reads why the page started afresh; the
explorer then works there."""
import signal

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS
from hall import lecture_hall

NOTICE = "moved to another server"


@pytest.fixture(scope="module")
def hall():
    with lecture_hall(2) as h:
        yield h


def test_a_student_whose_replica_stops_lands_on_the_other_with_a_notice(hall, page):
    page.goto(f"{hall['url']}/explorer")
    page.wait_for_selector(".vx-root[data-painted]", timeout=120000)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    first = cookies["vae_replica"]
    assert first in hall["replicas"]
    assert page.get_by_text(NOTICE).count() == 0  # nothing to tell on the first visit
    hall["replicas"][first].send_signal(signal.SIGKILL)
    hall["replicas"][first].wait(10)
    page.get_by_text(NOTICE).wait_for(timeout=60000)  # the frontend reconnects by itself
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)  # its run is over
    page.wait_for_selector(".vx-root[data-painted]", timeout=120000)
    now = {c["name"]: c["value"] for c in page.context.cookies()}["vae_replica"]
    assert now != first and now in hall["replicas"]
    page.screenshot(path=str(ARTIFACTS / "replica-moved-notice.png"))
    z1 = page.locator("[data-testid='stMetric']", has_text="z₁").locator("[data-testid='stMetricValue']")
    for attempt in range(3):  # a click while the page is still redrawing after the reconnect is lost, as a student's
        box = page.locator(".vx-overlay").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
        try:
            expect(z1).not_to_have_text("0.0000", timeout=10000)  # the live replica decoded the click
            break
        except AssertionError:
            if attempt == 2:
                raise
