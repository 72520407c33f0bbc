"""Values a browser sends back from the app's components. Our own JavaScript sends well-formed ones, but anyone
can send anything over the websocket, so each is read as untrusted input: a valid value, None for "nothing yet",
or a BrowserValueError."""
import numpy as np

from vae.serve.untrusted import UntrustedInputError, finite_number, reader


class BrowserValueError(UntrustedInputError):
    """A value from the browser that is not what the component sends; the page ignores it and says so."""


@reader(BrowserValueError, "the point sent by the map")
def read_z(value) -> tuple[float, float] | None:
    """The map's chosen point: two finite numbers, or None before the user has chosen one."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(finite_number(v) for v in value):
        raise BrowserValueError("the map sent a point that is not two finite numbers; it was ignored.")
    return float(value[0]), float(value[1])


@reader(BrowserValueError, "the drawing")
def read_ink(value, side: int) -> np.ndarray | None:
    """The drawing pad's ink: side * side grey levels (clipped to [0, 1]) as (side, side) float32, or None if the
    pad is empty."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != side * side or not all(finite_number(v) for v in value):
        raise BrowserValueError(f"the drawing pad sent something other than {side * side} grey levels; it was "
                                "ignored. Clear the pad and draw again.")
    ink = np.clip(np.asarray(value, dtype=np.float64), 0, 1).astype(np.float32).reshape(side, side)
    return ink if ink.max() > 0 else None
