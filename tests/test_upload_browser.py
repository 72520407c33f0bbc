"""Checkpoint upload in Chromium: the sidebar refuses a pickle unopened, opens a good file, and the app goes on."""
import pickle

from conftest import ARTIFACTS
from test_upload import BCE, CreatesFile

UPLOADER = "[data-testid='stSidebar'] .st-key-ckpt_upload input[type='file']"


def test_a_pickle_is_refused_and_a_checkpoint_opened_from_the_sidebar(app_url, page, browser, tmp_path):
    target = tmp_path / "pwned"  # the server runs on this machine: unpickling there would create this file
    evil, good = tmp_path / "evil.safetensors", tmp_path / "my model.safetensors"
    evil.write_bytes(pickle.dumps({"weights": CreatesFile(str(target))}))
    good.write_bytes(BCE)
    page.goto(app_url)
    page.get_by_role("heading", name="Start here", exact=False).first.wait_for(timeout=90000)
    sidebar = page.get_by_test_id("stSidebar")

    page.locator(UPLOADER).set_input_files(str(evil))
    sidebar.get_by_text("pickle, which can run code").wait_for(timeout=60000)
    assert not target.exists()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "upload_refused.png"))

    page.locator(UPLOADER).set_input_files(str(good))
    sidebar.get_by_text("this browser tab only").wait_for(timeout=60000)
    assert sidebar.get_by_text("uploaded: my_model").is_visible() and not sidebar.get_by_text("pickle, which").count()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "upload_opened.png"))

    # the app goes on: another page renders, and the sidebar still holds this tab's upload
    page.get_by_role("link", name="Latent map", exact=True).click()
    page.get_by_role("heading", name="Latent map", exact=True).wait_for(timeout=60000)
    page.wait_for_selector(".js-plotly-plot .legend", timeout=60000)
    assert sidebar.get_by_text("uploaded: my_model").is_visible()
    assert page.console_errors == []

    other = browser.new_context(viewport={"width": 1400, "height": 900})  # another student's tab
    try:
        theirs = other.new_page()
        theirs.goto(app_url)
        theirs.locator(UPLOADER).wait_for(state="attached", timeout=90000)
        assert theirs.get_by_test_id("stSidebar").get_by_text("uploaded:").count() == 0
    finally:
        other.close()
