"""Figures that depend only on what every student shares (a checkpoint, a test digit, a slider's value, a size) are
the same for everyone who asks the same thing: built once and shared, instead of once per student and run. Building a
plotly figure is most of what drawing one costs the server (its checks run on every trace and property set), and a
class opening a page asks for the same figures at once.

A shared figure is read-only: st.plotly_chart copies it (to_dict) before sending it. Whoever draws one passes the
builder and the small, hashable values it is built from, never arrays (the key of the cache is made from them)."""
import streamlit as st

FIGURES_KEPT = 256  # a lesson's and a lab's figures at their common settings, in both sizes of the lesson


@st.cache_resource(max_entries=FIGURES_KEPT, show_spinner=False)
def _built(_build, builder: str, args: tuple, key: tuple):
    return _build(*args)


def shared_figure(build, *args, key: tuple = ()):
    """build(*args), built once for every session that asks with the same args (names, numbers, tuples of them) and
    the same `key`: what else the figure depends on, not passed to build (the stamps of the checkpoints it reads)."""
    return _built(build, f"{build.__module__}.{build.__qualname__}", args, key)


def _named(value):
    """A function by its full name (Streamlit's hasher knows a function by its bare name alone); anything else as is."""
    return f"{value.__module__}.{value.__qualname__}" if callable(value) else value


@st.cache_resource(max_entries=FIGURES_KEPT, show_spinner=False)
def _drawn(_draw, drawer: str, _args: tuple, named_args: tuple, key: tuple) -> None:
    _draw(*_args)


def shared_elements(draw, *args, key: tuple = ()) -> None:
    """draw(*args) draws elements (no widgets) that are the same for everyone who asks with the same args (values, or
    functions, known by their full names) and `key`. The first call's elements are kept as the messages Streamlit
    made of them and sent as they are to every later caller (Streamlit replays a cached function's elements): what
    building them costs the server (a code block's or a table's marshalling, a figure's to_dict and JSON) is paid
    once, not on every run."""
    _drawn(draw, _named(draw), args, tuple(map(_named, args)), key)
