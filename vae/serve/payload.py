"""Bytes a component's JavaScript reads: a JSON header and float32 arrays, in one message (Streamlit sends a
component's bytes as they are; a list of numbers as JSON would be several times larger and slower to read)."""
import json

import numpy as np


def pack(header: dict, arrays) -> bytes:
    """uint32 header length, the JSON header padded to 4 bytes, then each array as little-endian float32."""
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 4)
    body = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in arrays)
    return len(head).to_bytes(4, "little") + head + body
