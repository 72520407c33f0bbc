"""One contract for every reader of untrusted input (an uploaded file, a value a browser sends back, a URL): it
returns a valid value or raises its own subclass of UntrustedInputError, with a message a student can act on.
Nothing else escapes, so a page never shows a bare Python exception for what a user sent.

Each reader checks what it expects and says so in its own words. `reader` is the net under those checks: an
exception they did not foresee (a bug) still reaches the page as the reader's error, marked `unexpected` and
logged with its traceback; the fuzz tests (tests/test_untrusted_fuzz.py, bench/fuzz_*.py) fail on any such."""
import functools
import logging
import math

LOG = logging.getLogger(__name__)


class UntrustedInputError(ValueError):
    """Input that cannot be used; str(error) says why in plain words."""

    unexpected = False  # True when a reader's own checks missed the problem (see `reader`)


def reader(error: type[UntrustedInputError], what: str):
    """Decorate a reader whose own failures raise `error`: any other exception becomes `error` too, unexpected."""
    def decorate(read):
        @functools.wraps(read)
        def guarded(*args, **kwargs):
            try:
                return read(*args, **kwargs)
            except error:
                raise
            except Exception as exc:  # the net: MemoryError and RecursionError included
                LOG.exception("%s raised %s, which its checks did not foresee", read.__qualname__, type(exc).__name__)
                failure = error(f"{what} could not be read, and was ignored ({type(exc).__name__}).")
                failure.unexpected = True
                raise failure from exc
        return guarded
    return decorate


def finite_number(value) -> bool:
    """A real number a page can compute with: an int or float (not a bool), finite, and convertible to a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) < 1e300 if isinstance(value, int) else math.isfinite(value)
