"""Bytes a component's JavaScript reads: a JSON header and float32 arrays (ui/assets/decoder.js's readPayload).
Streamlit sends a component's bytes as they are; a list of numbers as JSON would be several times larger and slower
to read.

The arrays either follow the header in the same message (`pack`) or, when they are the same for every student (a
shipped checkpoint's decoder and codes), go to a file named by their content (`pack_published`): the websocket then
carries the header alone, and each browser fetches the arrays once over HTTP, from nginx in a hall, and keeps them."""
import json

import numpy as np

from vae.serve.published import STATIC_DIR, publish


def _arrays(arrays) -> bytes:
    return b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays)


def pack(header: dict, arrays) -> bytes:
    """uint32 header length, the JSON header padded to 4 bytes, then each array as little-endian float32."""
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 4)
    return len(head).to_bytes(4, "little") + head + _arrays(arrays)


def pack_published(stem: str, header: dict, arrays, root=STATIC_DIR) -> bytes:
    """The header, naming in "body" the published file that holds the arrays (as `pack` would append them). If the
    file cannot be written (a read-only app folder), the arrays follow the header in the message instead."""
    body = _arrays(arrays)
    try:
        url = publish(stem, body, ".f32", root=root)
    except OSError:
        return pack(header, arrays)
    return pack({**header, "body": url, "body_bytes": len(body)}, [])


def read_header(data: bytes) -> tuple[dict, int]:
    """(the JSON header, where the arrays start) of `pack`'s bytes; ValueError for bytes that are not a payload."""
    n = int.from_bytes(data[:4], "little")
    if not 0 < n <= len(data) - 4:
        raise ValueError("not a payload: its header's length is out of range")
    return json.loads(data[4:4 + n]), 4 + n


def unpack(data: bytes, root=STATIC_DIR) -> tuple[dict, np.ndarray]:
    """(header, every float32 array back to back) of `pack`'s or `pack_published`'s bytes, as the browser reads them:
    the arrays from the published file the header names, if it names one."""
    header, start = read_header(data)
    body = data[start:]
    if "body" in header:
        body = (root / header["body"].split("/", 1)[1]).read_bytes()
    return header, np.frombuffer(body, dtype="<f4")
