"""Values from a link's query string (`?checkpoint=bce&z=1.5,-0.5`): anyone can write any link, so each is read
as untrusted input. A reader gets every value given for one parameter (a link may repeat a key) and returns the
value, None when the link does not set it, or raises a QueryValueError that says why it was ignored. Messages name
the problem, never the value: a page shows them, and a value from a link is never rendered."""
import math
import re

from vae.serve.untrusted import UntrustedInputError, reader

MAX_CHARS = 100  # longer than any value a page writes; a 10 kB value is refused before it is looked at
NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?")  # decimal only: no nan, inf or hex


class QueryValueError(UntrustedInputError):
    """A value in the link that cannot be used; the page falls back to its default and says so."""


def one_value(values) -> str | None:
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise QueryValueError("it is not text.")
    if len(values) > 1:
        raise QueryValueError(f"the link gives it {len(values)} times.")
    if values and len(values[0]) > MAX_CHARS:
        raise QueryValueError(f"it is longer than {MAX_CHARS} characters.")
    return values[0] if values else None


@reader(QueryValueError, "a value in the link")
def read_name(values, names) -> str | None:
    """One of `names` (say, the checkpoints this page offers to everyone)."""
    value = one_value(values)
    if value is not None and value not in names:
        raise QueryValueError("there is no such choice on this page.")
    return value


@reader(QueryValueError, "a value in the link")
def read_whole(values, lo: int, hi: int) -> int | None:
    """A whole number from lo to hi, written in decimal digits."""
    value = one_value(values)
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", value) or not lo <= int(value) <= hi:
        raise QueryValueError(f"it is not a whole number from {lo} to {hi}.")
    return int(value)


@reader(QueryValueError, "a value in the link")
def read_switch(values) -> bool | None:
    """On or off, written 1 or 0."""
    value = one_value(values)
    if value is None:
        return None
    if value not in ("0", "1"):
        raise QueryValueError("it is not 0 or 1.")
    return value == "1"


@reader(QueryValueError, "a value in the link")
def read_point(values, limit: float) -> tuple[float, float] | None:
    """Two decimal numbers `z1,z2`, each within [-limit, limit]."""
    value = one_value(values)
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) != 2 or not all(NUMBER.fullmatch(p.strip()) for p in parts):
        raise QueryValueError("it is not two numbers separated by a comma.")
    z = tuple(float(p) for p in parts)
    if not all(math.isfinite(v) and abs(v) <= limit for v in z):
        raise QueryValueError(f"a coordinate lies outside -{limit:g} to {limit:g}.")
    return z


def point_text(z) -> str:
    """How a link writes a point: what read_point reads, to 4 decimals ("1.5,-0.5")."""
    return ",".join(f"{round(float(v), 4):g}" for v in z)
