"""README.md and docs/: every relative link and picture points at a file that exists (and an anchor at a heading that
exists), every picture says what it shows, the pictures are exactly those scripts/docs_pictures.py makes, the README
stays short, its tour names every page of the app, and every benchmark has its command in docs/measurements.md."""
import re
from pathlib import Path

import pytest

from scripts.docs_pictures import PICTURES
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FILES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML = re.compile(r"<(?:img|a)\s[^>]*?(?:src|href)=\"([^\"]+)\"", re.I)


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where brackets are code, not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str, seen: dict) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    base = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
    n = seen.get(base, 0)
    seen[base] = n + 1
    return base if n == 0 else f"{base}-{n}"


def anchors(path: Path) -> set:
    seen = {}
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*$", re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S),
                          re.M)
    return {slug(h, seen) for h in headings}


def links(path: Path) -> list:
    """(is a picture, its text, target) for every link and picture of a file, HTML ones included."""
    text = prose(path.read_text())
    return [(bang == "!", label, target) for bang, label, target in LINK.findall(text)] + \
        [(False, "", target) for target in HTML.findall(text)]


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)


def test_the_anchor_rule():
    seen = {}
    assert slug("One command: `./dev hall N`", seen) == "one-command-dev-hall-n"
    assert slug("log p(x) by importance sampling: the size ladder", seen) == "log-px-by-importance-sampling-the-size-ladder"
    assert slug("σ, β and the notes' loss", seen) == "σ-β-and-the-notes-loss"
    assert [slug("Latent map", seen), slug("Latent map", seen)] == ["latent-map", "latent-map-1"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_link_and_picture_points_somewhere(path):
    found = links(path)
    assert found, f"{path.name} has no links at all: is the parser reading it?"
    broken = []
    for picture, label, target in found:
        if not relative(target):
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
        if picture and not label.strip():
            broken.append(f"{target}: a picture without a description")
    assert not broken, f"{path.name}: " + "; ".join(broken)


def test_the_pictures_are_exactly_those_the_script_makes():
    shown = {(path.parent / target).resolve() for path in FILES for picture, _, target in links(path)
             if picture and relative(target)}
    made = {(DOCS / name).resolve() for name in PICTURES}
    on_disk = {p.resolve() for p in DOCS.rglob("*.png")}
    assert shown == made, "README/docs show pictures scripts/docs_pictures.py does not make, or the other way round"
    assert on_disk == made, "docs/ holds pictures nothing shows (or misses some): run python scripts/docs_pictures.py"


def test_the_readme_is_short_and_tours_every_page():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    tour = text.split("## The pages", 1)[1].split("\n## ", 1)[0]
    titles = set(re.findall(r"^### (.+)$", tour, re.M))
    assert {title for title, _ in PAGES.values()} <= titles, "a page of the app is missing from the README's tour"


def test_every_benchmark_is_in_the_measurements_with_its_command():
    text = " ".join((DOCS / "measurements.md").read_text().split())  # a command may wrap across lines
    scripts = [p for p in sorted((ROOT / "bench").rglob("*.py")) if 'if __name__ == "__main__"' in p.read_text()]
    assert scripts, "no benchmark found: is bench/ where it was?"
    missing = [str(p.relative_to(ROOT)) for p in scripts if f"python {p.relative_to(ROOT)}" not in text]
    assert not missing, f"benchmarks with no command in docs/measurements.md: {missing}"
