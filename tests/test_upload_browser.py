"""Checkpoint upload in Chromium: the sidebar refuses a pickle unopened, opens a good file, and the app goes on."""
import pickle

from conftest import ARTIFACTS
from test_explorer_browser import axes, expected_z, open_explorer
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


def escaped_before(tmp_path) -> list:
    """The two files that escaped the reader on main before the untrusted-input contract, as a plain Python
    exception that took every page of that student's app down: metadata of an unexpected JSON type, and a header
    nested deeper than Python's recursion limit."""
    import json
    import struct
    header_len = struct.unpack("<Q", BCE[:8])[0]
    header, weights = json.loads(BCE[8:8 + header_len]), BCE[8 + header_len:]
    listed = dict(header, __metadata__=["format", "vae-dashboard/1"])
    deep = '{"deep": ' + "[" * 50_000 + "]" * 50_000 + ", " + json.dumps(header)[1:]
    files = []
    for name, text in (("listed-metadata", json.dumps(listed)), ("deep-header", deep)):
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(struct.pack("<Q", len(text)) + text.encode() + weights)
        files.append(path)
    return files


def test_a_file_that_broke_the_reader_is_refused_in_the_sidebar_and_the_page_works(app_url, page, tmp_path):
    overlay = open_explorer(page, app_url)
    sidebar = page.get_by_test_id("stSidebar")
    for path, words in zip(escaped_before(tmp_path), ("metadata must map names to text", "nests too deeply")):
        page.locator(UPLOADER).set_input_files(str(path))
        sidebar.get_by_text(words).wait_for(timeout=60000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("This app has encountered an error").count() == 0
    page.screenshot(path=str(ARTIFACTS / "upload_hostile_refused.png"))
    # the page underneath still works: a click on the map reaches the server, which decodes it
    a, box = axes(overlay), overlay.bounding_box()
    px, py = a["left"] + a["size"] - 15, a["top"] + 15
    page.mouse.click(box["x"] + px, box["y"] + py)
    page.get_by_text(f"{expected_z(a, px, py)[0]:.4f}").wait_for(state="attached", timeout=30000)
    # and another page loads, the refusal still in the sidebar
    page.get_by_role("link", name="ELBO lab", exact=True).click()
    page.get_by_role("heading", name="ELBO lab", exact=True).wait_for(timeout=60000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120000)
    assert sidebar.get_by_text("nests too deeply").is_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.console_errors == []
