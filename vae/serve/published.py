"""Files for browsers, named by their content: written once under static/ as `<stem>-<hash><suffix>`, or as a folder
`<stem>-<hash>/` of files that refer to each other by relative paths (ES modules), and served by server.py's route
/files/... with a year of caching. A published name never holds other bytes, so a browser asks for it once and then
keeps it, and every replica of the app on a machine writes and serves the same names.

A file published gzipped (the training images) is stored compressed and served with `Content-Encoding: gzip`: the
browser unpacks it itself, and nothing is compressed again per request.
"""
import hashlib
import gzip
import mimetypes
import os
import re
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "static"  # also Streamlit's own static folder (app/static/); kept out of git
PREFIX = "files"  # the route: /files/<published name>[/<path inside a published folder>]
HASHED = re.compile(r"[A-Za-z0-9_-]+-[0-9a-f]{16}(\.[A-Za-z0-9]+)*")  # the first segment of every published path
CACHING = "public, max-age=31536000, immutable"


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()[:16]


def write_atomically(path: Path, blob: bytes) -> None:
    """A temporary file in the same folder renamed over `path`: a reader sees the old bytes or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a static file is for everyone
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe(stem: str) -> str:
    """`stem` with anything but letters, digits, '-' and '_' made '-' (a class board's model is "class:<code>:<id>"):
    a published name is only ever those, which `find` and nginx's location rely on."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", stem)


def publish(stem: str, blob: bytes, suffix: str, gzipped: bool = False, root: Path = STATIC_DIR) -> str:
    """Write `blob` once as <stem>-<hash><suffix> (with .gz added, compressed, if `gzipped`); its URL relative to the
    page. The hash is of the bytes the browser ends up with, so it does not depend on the compressor's version."""
    name = f"{safe(stem)}-{digest(blob)}{suffix}" + (".gz" if gzipped else "")
    path = root / name
    if not path.is_file():
        write_atomically(path, gzip.compress(blob, 6, mtime=0) if gzipped else blob)
    return f"{PREFIX}/{name}"


def publish_folder(stem: str, files: dict[str, bytes], root: Path = STATIC_DIR) -> str:
    """Write files (relative path -> bytes) once into a folder <stem>-<hash>/ named by all of them; its URL, ending
    in '/', relative to the page. Files inside refer to each other by relative paths, which stay valid."""
    names = sorted(files)
    folder = root / f"{safe(stem)}-{digest(*(n.encode() for n in names), *(files[n] for n in names))}"
    for name in names:
        path = folder / name
        if not path.is_file():
            write_atomically(path, files[name])
    return f"{PREFIX}/{folder.name}/"


def find(path: str, root: Path = STATIC_DIR) -> Path | None:
    """The published file at `path` (what follows /files/ in a URL), or None: anything not published, and anything
    that would leave the folder, is not found."""
    parts = path.split("/")
    if not HASHED.fullmatch(parts[0]) or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    file = root.joinpath(*parts)
    try:
        resolved = file.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return resolved if resolved.is_file() and resolved.is_relative_to(root.resolve()) else None


def headers_for(file: Path) -> tuple[str, dict]:
    """The content type and headers a published file is served with."""
    headers = {"Cache-Control": CACHING, "X-Content-Type-Options": "nosniff"}
    name = file.name
    if name.endswith(".gz"):
        headers["Content-Encoding"] = "gzip"
        name = name[:-3]
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind in ("text/javascript", "application/javascript"):
        kind = "text/javascript; charset=utf-8"
    return kind, headers


def routes(root: Path = STATIC_DIR) -> list:
    """The route server.py adds to Streamlit's: GET /files/<published path>."""
    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route

    async def serve(request):
        file = find(request.path_params["path"], root)
        if file is None:
            return PlainTextResponse("Not found", status_code=404)
        kind, headers = headers_for(file)
        return FileResponse(file, media_type=kind, headers=headers)

    return [Route(f"/{PREFIX}/{{path:path}}", serve, methods=["GET", "HEAD"])]
