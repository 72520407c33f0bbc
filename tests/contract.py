"""What the property-based tests of untrusted input share: the contract they check (vae/serve/untrusted.py), JSON
values of every type (with the awkward ones: huge integers, NaN, infinities, deep nesting), and the example budget.

The budget is fixed and the examples derandomised, so CI runs the same few hundred cases in seconds every time;
bench/fuzz/ searches for longer, guided by coverage. HYPOTHESIS_EXAMPLES=5000 runs more of them here."""
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "250")), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
MAX_MESSAGE = 400  # a message a student reads, not a dump of what they sent

AWKWARD_NUMBERS = st.sampled_from([0, -1, 1, 2**31, 2**63, 2**64, 10**30, 10**400, -10**400, 0.5, -0.0, 1e-320,
                                   1e308, float("nan"), float("inf"), float("-inf")])
SCALARS = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | AWKWARD_NUMBERS
           | st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                           max_size=4), max_leaves=10)


def within_contract(read, error, *args):
    """read(*args), which must return a value or raise `error` with a short message and not marked unexpected.
    Returns the value, or None when it was refused."""
    try:
        return read(*args)
    except error as exc:
        assert not exc.unexpected, f"the reader's checks missed {exc.__cause__!r}"
        assert 0 < len(str(exc)) <= MAX_MESSAGE, str(exc)[:1000]
        return None
