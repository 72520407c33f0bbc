"""The browser's vendored library is what its script fetched from the npm registry: every file listed in SHA256SUMS,
with that checksum, and its licence beside it. (bash vendor/tfjs/make.sh re-creates the files and checks them too.)"""
import hashlib
import re
from pathlib import Path

from vae.serve.browser_files import TFJS, TFJS_FILES

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "vendor" / "axe-core"  # only the accessibility test loads it; the app never serves it


def test_vendored_files_match_their_checksums():
    sums = dict(reversed(line.split()) for line in (TFJS / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert set(sums) == set(TFJS_FILES)  # everything published is checked, and nothing checked goes unused
    for name, expected in sums.items():
        assert hashlib.sha256((TFJS / name).read_bytes()).hexdigest() == expected, name


def test_the_script_fetches_the_pinned_version_and_the_licence_is_there():
    script = (TFJS / "make.sh").read_text()
    assert re.search(r"^VERSION=4\.22\.0$", script, re.M) and "npm pack" in script and "sha256sum -c" in script
    assert "Apache License" in (TFJS / "LICENSE").read_text()
    assert "Licensed under the Apache License" in (TFJS / "tf.min.js").read_text()[:2000]


def test_axe_core_matches_its_checksums_and_pinned_version():
    sums = dict(reversed(line.split()) for line in (AXE / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert set(sums) == {"axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"}
    for name, expected in sums.items():
        assert hashlib.sha256((AXE / name).read_bytes()).hexdigest() == expected, name
    script = (AXE / "make.sh").read_text()
    assert re.search(r"^VERSION=4\.14\.1$", script, re.M) and "npm pack" in script and "sha256sum -c" in script
    assert (AXE / "axe.min.js").read_text()[:200].startswith("/*! axe v4.14.1")
    assert "Mozilla Public License" in (AXE / "LICENSE").read_text()[:200]


def test_nothing_loads_from_elsewhere():
    """The app's own JavaScript names no outside address to load code or data from."""
    sources = [p for p in ROOT.glob("**/*.js") if "vendor" not in p.parts and ".git" not in p.parts
               and "node_modules" not in p.parts and "static" not in p.parts]
    assert sources
    for path in sources:
        text = path.read_text()
        assert not re.search(r"https?://(?!www\.w3\.org)", text), path
