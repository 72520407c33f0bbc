"""What a browser fetches over HTTP for a page beside its websocket, for scripts/protocol_client.Tab: a first visit's
requests as Streamlit's frontend and the app's components make them (checked against Chromium's by
bench/ws_fidelity.py), so that a load test counts their bytes and makes the server serve them.

- The frontend's first requests: the page-prefixed health check and host config it tries before the root's (404s
  on a page other than the home page). Not the favicon: Chromium asks for it once for all its tabs, or not at all.
- Every st.image of the page (/media/..., from the session's replica's memory).
- Every published file a component's data names (vae/serve/published.py: files/<name>-<hash>..., not a folder;
  in JSON data, or in the header of a payload's bytes, as the explorer's published arrays),
  and the ES modules such a file imports by relative path, as the browser's import() loads them.

Streamlit's own front-end bundle (/static/...) is left out: the same files on every page, cached by the browser
for a year after its first visit, and served by nginx in a hall.
"""
import json
import re
import urllib.parse

from vae.serve.payload import read_header

FILE_URL = re.compile(r"files/[A-Za-z0-9_-]+-[0-9a-f]{16}[A-Za-z0-9_./-]*[^/]")
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"'\n]*?["'](\.{1,2}/[^"']+)["']""", re.MULTILINE)


def named_files(value) -> list[str]:
    """The published files named anywhere in a component's JSON data (strings, in lists and objects)."""
    if isinstance(value, str):
        return [value] if FILE_URL.fullmatch(value) else []
    if isinstance(value, dict):
        value = list(value.values())
    return [u for v in value for u in named_files(v)] if isinstance(value, list) else []


def component_files(tab) -> list[str]:
    """Paths (relative to the app's root) of the published files the tab's components were given."""
    found = []
    for element in tab.components.values():
        if element.HasField("json") and element.json:
            data = json.loads(element.json)
        elif element.HasField("bytes"):
            try:  # a payload's header (vae/serve/payload.py) names its published arrays, if a shipped model's
                data = read_header(element.bytes)[0]
            except ValueError:
                continue
        else:
            continue
        found += [u for u in named_files(data) if u not in found]
    return found


def count_http(tab) -> dict:
    """From now on, count every HTTP response the tab receives (its page's HTML included, if it has not loaded yet):
    the dict returned holds {"requests", "bytes"}, bytes as they came over the wire (compressed if they were)."""
    counted = {"requests": 0, "bytes": 0}

    async def count(response):
        await response.aread()
        counted["requests"] += 1
        counted["bytes"] += response.num_bytes_downloaded

    hooks = tab.http.event_hooks
    tab.http.event_hooks = {**hooks, "response": [*hooks["response"], count]}
    return counted


async def fetch_files(tab) -> None:
    """Fetch what a first visit of the tab's page fetches beside its websocket, once its first run is over."""
    todo = [*tab.media, *(f"/{path}" for path in component_files(tab))]
    if tab.page:  # the frontend asks under the page's path first
        todo[:0] = [f"/{tab.page}/_stcore/health", f"/{tab.page}/_stcore/host-config"]
    fetched = set()
    while todo:
        url = todo.pop(0)
        if url in fetched:
            continue
        fetched.add(url)
        r = await tab.get(url)
        if url.startswith("/media/"):
            tab.media[url] = r.status_code
        if r.status_code == 200 and url.endswith(".js"):
            todo += [urllib.parse.urljoin(url, spec) for spec in IMPORT.findall(r.text)]
