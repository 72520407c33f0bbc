"""The tree shows the app, and its dependency rule holds: page scripts -> page packages (app_pages/) -> ui -> vae (the maths),
with vae.serve (the machinery) beside the maths and never imported by it.

Imports are read from each file's syntax tree, including imports inside functions, so a late import cannot hide."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app_pages", "ui", "vae")
# the app's and the command line's: like page scripts, they may use anything
ENTRY_POINTS = {"app", "vae.train", "vae.classify"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def project_modules() -> dict[str, Path]:
    found = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    found["app"] = ROOT / "app.py"
    return found


def imports(path: Path) -> set[str]:
    """Every module `path` imports, absolute names; `from a import b` counts as a and as a.b."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import; the rule is stated on absolute names"
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def page_of(name: str) -> str | None:
    """'app_pages.explorer.sections' -> 'explorer'; None outside a page package."""
    parts = name.split(".")
    return parts[1] if parts[0] == "app_pages" and len(parts) > 1 else None


def broken_rules(modules: dict[str, Path]) -> list[str]:
    """Every import that breaks the rule, as 'importer -> imported: why'."""
    found = []
    for name, path in modules.items():
        for dep in imports(path):
            why = None
            if within(name, "vae") and within(dep, "streamlit"):
                why = "vae never imports streamlit"
            elif within(name, "vae") and not within(name, "vae.serve") and name not in ENTRY_POINTS \
                    and within(dep, "vae.serve"):
                why = "the maths never imports the machinery"
            elif within(name, "vae") and (within(dep, "ui") or within(dep, "app_pages")):
                why = "vae never imports the app"
            elif within(name, "ui") and within(dep, "app_pages"):
                why = "ui is shared by the pages and never imports one"
            elif page_of(dep) and page_of(name) and page_of(dep) != page_of(name):
                why = "page packages never import each other"
            elif dep.startswith("app_pages.") and dep.endswith(".page") or dep == "app":
                why = "nothing imports a page script or app.py"
            if why:
                found.append(f"{name} -> {dep}: {why}")
    return found


def test_the_dependency_rule_holds():
    assert broken_rules(project_modules()) == []


@pytest.mark.parametrize("importer, source, rule", [
    ("vae.model", "import streamlit as st", "vae never imports streamlit"),
    ("vae.losses", "from vae.serve.checkpoint import load_checkpoint", "the maths never imports the machinery"),
    ("vae.serve.worker", "from ui.models import images", "vae never imports the app"),
    ("ui.models", "from app_pages.explorer.atlas import atlas_url", "ui is shared by the pages and never imports one"),
    ("app_pages.train.sections", "from app_pages.explorer.figures import mosaic", "page packages never import each other"),
    ("app_pages.train.sections", "import app_pages.train.page", "nothing imports a page script or app.py"),
])
def test_each_rule_fails_when_broken(tmp_path, importer, source, rule):
    """The check is live: one bad import of each kind, added to a real module, is reported with its reason."""
    modules = project_modules()
    bad = tmp_path / "bad.py"
    bad.write_text(modules[importer].read_text() + f"\n\ndef late():\n    {source}\n")
    modules[importer] = bad
    assert any(line.startswith(f"{importer} -> ") and line.endswith(rule) for line in broken_rules(modules))


def test_one_package_per_page_and_no_pages_folder():
    """A folder named pages/ beside app.py would put a fresh server in Streamlit's legacy pages-folder mode."""
    from ui.navigation import PAGES, script
    assert not (ROOT / "pages").exists()
    assert sorted(p.name for p in (ROOT / "app_pages").glob("*.py")) == ["__init__.py"]
    folders = sorted(p.name for p in (ROOT / "app_pages").iterdir() if p.is_dir() and p.name != "__pycache__")
    assert folders == sorted(PAGES)
    for key in PAGES:
        assert (ROOT / script(key)).is_file() and (ROOT / "app_pages" / key / "__init__.py").is_file()


def test_no_source_file_over_250_lines():
    sources = [p for pattern in ("*.py", "*.js", "*.css") for p in ROOT.rglob(pattern)
               if ".git" not in p.parts and "artifacts" not in p.parts
               and p.parent != ROOT / "deploy" / "run" and ROOT / "deploy" / "run" not in p.parents]  # nginx's copy
    long = {str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text().splitlines())) > 250}
    assert long == {}
