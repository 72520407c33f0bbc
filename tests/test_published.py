"""Files published for browsers: named by their content, served by server.py's route with a year of caching, and
nothing else served by it."""
import gzip

import httpx
import pytest

from vae.serve.published import CACHING, find, publish, publish_folder


def test_a_name_holds_one_content_and_is_written_once(tmp_path):
    url = publish("probe", b"abc", ".bin", root=tmp_path)
    assert url.startswith("files/probe-") and url.endswith(".bin")
    path = tmp_path / url.split("/", 1)[1]
    mtime = path.stat().st_mtime_ns
    assert publish("probe", b"abc", ".bin", root=tmp_path) == url and path.stat().st_mtime_ns == mtime
    assert publish("probe", b"abd", ".bin", root=tmp_path) != url
    folder = publish_folder("code", {"a/x.js": b"1", "b.js": b"2"}, root=tmp_path)
    assert (tmp_path / folder.split("/")[1] / "a" / "x.js").read_bytes() == b"1"
    assert publish_folder("code", {"a/x.js": b"1", "b.js": b"3"}, root=tmp_path) != folder
    named = publish("plane-class:ab12cd:9", b"abc", ".f32", root=tmp_path)  # a class board's model's name
    assert named.startswith("files/plane-class-ab12cd-9-") and find(named.split("/", 1)[1], tmp_path) is not None


@pytest.mark.parametrize("path", ["../app.py", "probe-0123456789abcdef/../../app.py", "x.bin", "", ".hidden",
                                  "probe-0123456789abcdef/.git/config", "probe-0123456789ABCDEF.bin", "a//b"])
def test_only_published_names_are_found(tmp_path, path):
    publish("probe", b"abc", ".bin", root=tmp_path)
    assert find(path, tmp_path) is None


def test_the_route_serves_them_for_a_year_and_gzipped_ones_as_such(app_url):
    plain = publish("probe-test", b"plain bytes", ".bin")
    packed = publish("probe-test", b"x" * 10_000, ".u8", gzipped=True)
    with httpx.Client(base_url=app_url) as client:
        r = client.get(f"/{plain}")
        assert r.status_code == 200 and r.content == b"plain bytes"
        assert r.headers["cache-control"] == CACHING and r.headers["content-type"] == "application/octet-stream"
        r = client.get(f"/{packed}", headers={"accept-encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip" and r.content == b"x" * 10_000  # httpx unpacks it
        assert int(r.headers["content-length"]) == len(gzip.compress(b"x" * 10_000, 6, mtime=0))
        assert client.get("/files/%2e%2e/app.py").status_code == 400  # Streamlit's own guard answers first
        for junk in ("/files/app.py", "/files/probe-test-0000000000000000.bin", "/files/static/.gitignore"):
            assert client.get(junk).status_code == 404


def test_a_payloads_arrays_published_read_back_as_if_inline(tmp_path):
    import numpy as np

    from vae.serve.payload import pack, pack_published, unpack
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([0.5, -1e-8], dtype=np.float64)]
    inline = pack({"n": 1}, arrays)
    shared = pack_published("probe", {"n": 1}, arrays, root=tmp_path)
    header, floats = unpack(shared, tmp_path)
    assert header["body"].startswith("files/probe-") and header["body_bytes"] == 4 * 8
    assert header.pop("body") and header.pop("body_bytes")
    assert unpack(inline, tmp_path)[0] == header
    np.testing.assert_array_equal(floats, unpack(inline, tmp_path)[1])
    np.testing.assert_array_equal(floats, [0, 1, 2, 3, 4, 5, 0.5, np.float32(-1e-8)])
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"")  # nothing can be written under it, even by root: the arrays travel with the header
    assert pack_published("other", {"n": 1}, arrays, root=blocked) == inline
