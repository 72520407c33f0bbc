"""Values a browser sends back (the map's chosen point, the drawing pad's ink), uploaded file names, and a link's
query values, of every type, size and encoding: each reader returns a valid value or refuses with its own error."""
import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from contract import AWKWARD_NUMBERS, JSON, SCALARS, SETTINGS, within_contract
from ui.upload import display_name
from vae.serve.browser_values import BrowserValueError, read_ink, read_z
from vae.serve.query import QueryValueError, point_text, read_name, read_point, read_switch, read_whole

SIDE = 56


@SETTINGS
@given(value=JSON | st.lists(SCALARS, min_size=2, max_size=2) | st.tuples(AWKWARD_NUMBERS, AWKWARD_NUMBERS))
def test_the_maps_point(value):
    z = within_contract(read_z, BrowserValueError, value)
    if z is not None:
        assert len(z) == 2 and all(isinstance(v, float) and np.isfinite(v) for v in z)


@SETTINGS
@given(data=st.data())
def test_the_pads_ink(data):
    kind = data.draw(st.sampled_from(["any", "right length", "one bad value"]))
    if kind == "any":
        value = data.draw(JSON)
    else:
        seed = data.draw(st.integers(0, 2**32 - 1))  # a random drawing, much faster than 3,136 drawn floats
        value = np.random.default_rng(seed).random(SIDE * SIDE).tolist()
        if kind == "one bad value":
            value[data.draw(st.integers(0, len(value) - 1))] = data.draw(SCALARS | st.lists(SCALARS, max_size=2))
    ink = within_contract(read_ink, BrowserValueError, value, SIDE)
    if ink is not None:
        assert ink.shape == (SIDE, SIDE) and ink.dtype == np.float32 and 0 <= ink.min() and 0 < ink.max() <= 1


def test_the_values_that_escaped_before_are_refused():
    """parse_z and ink_array raised TypeError and OverflowError on an integer too large for a float."""
    for read, value in ((read_z, [10**400, 0]), (read_ink, [10**400] + [0] * (SIDE * SIDE - 1))):
        assert within_contract(read, BrowserValueError, value, *([SIDE] if read is read_ink else [])) is None


@SETTINGS
@given(name=st.text() | st.text(min_size=5000, max_size=20000) | st.binary().map(lambda b: b.decode("latin-1"))
       | st.from_regex(r"(\.\./|\\|/|<script>|%00|\.safetensors)+", fullmatch=True))
def test_an_uploaded_files_name_becomes_a_short_plain_label(name):
    label = display_name(name)
    assert re.fullmatch(r"[\w.-]{1,40}", label) and not label.startswith((".", "-")) and "/" not in label


QUERY_VALUES = (st.lists(st.text(max_size=30) | st.text(max_size=20).map(lambda t: (t or "x") * 1000) | st.sampled_from(
    ["1.5,-0.5", "7", "bce", "1e308,nan", "-5", "99", "abc", "../../etc/passwd", "<script>alert(1)</script>",
     "%3Cscript%3E", "٣", "１２", "0x10", "inf,0", "1,2,3", " 7", "", "0", "1", "true", "1 "]), max_size=3) | JSON)


@SETTINGS
@given(values=QUERY_VALUES)
def test_a_links_values_of_any_type_size_and_encoding(values):
    """What Streamlit hands a page is a list of strings per parameter; the readers refuse anything else too."""
    name = within_contract(read_name, QueryValueError, values, ["bce", "mse"])
    assert name in (None, "bce", "mse")
    whole = within_contract(read_whole, QueryValueError, values, 0, 9999)
    assert whole is None or (type(whole) is int and 0 <= whole <= 9999)
    switch = within_contract(read_switch, QueryValueError, values)
    assert switch is None or (type(switch) is bool and values in (["0"], ["1"]))
    z = within_contract(read_point, QueryValueError, values, 8.0)
    assert z is None or (len(z) == 2 and all(np.isfinite(v) and abs(v) <= 8 for v in z))
    if z is not None:  # what a page writes back reads the same, to the 4 decimals it keeps
        assert np.allclose(read_point([point_text(z)], 8.0), z, atol=5e-5)
