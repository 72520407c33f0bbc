"""The view in the URL, for every page. A page reads its parameters from the link when this session first opens it,
so a shared link or a reload opens the same view; it writes its view back after every run, so the address bar is
always a link to what is on screen; and it offers that link to copy.

Values in a link are untrusted: vae.serve.query reads them. A bad one is ignored with a one-line notice that names
the parameter and the reason (never the value), and the page shows its default there."""
import urllib.parse

import streamlit as st

from vae.serve.query import QueryValueError

OPENED = "link_opened"  # session_state: the pages whose link this session has read
NOTICES = "link_notices"  # session_state: (page, notices) for the page whose link was read last


def read_link(page: str, fields: dict):
    """fields: parameter -> (session_state key, reader). On this session's first run of `page`, each valid value
    goes to st.session_state[key], before the widget of that key exists; then the notices are shown. Returns the
    placeholder, above the notices, that link_field fills once the page knows its view."""
    slot = st.empty()
    opened = st.session_state.setdefault(OPENED, set())
    if page not in opened:
        opened.add(page)
        notices = []
        unknown = sum(1 for param in st.query_params if param not in fields)
        if unknown:
            notices.append(f"Ignored {unknown} setting{'s' * (unknown > 1)} in the link that this page does not have.")
        for param, (key, read) in fields.items():
            try:
                value = read(st.query_params.get_all(param))
            except QueryValueError as exc:
                notices.append(f"Ignored `{param}` in the link: {exc} This page shows its default instead.")
                continue
            if value is not None:
                st.session_state[key] = value
        st.session_state[NOTICES] = (page, notices)
    held_page, notices = st.session_state.get(NOTICES, (None, []))
    for notice in notices if held_page == page else ():
        st.caption(f":material/link_off: {notice}")
    return slot


def write_link(params: dict[str, str]) -> str:
    """Put the view in the address bar (only when it changed: each write is a message to the browser) and return
    the link to it."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    if current != {key: [value] for key, value in params.items()}:
        st.query_params.from_dict(params)
    query = urllib.parse.urlencode(params, safe=",")  # z=1.5,-0.5 reads better than z=1.5%2C-0.5
    return (st.context.url or "") + (f"?{query}" if query else "")


def link_field(slot, link: str, private: bool = False) -> None:
    """The link, in a popover of `slot` (a placeholder near the page's top, filled once the view is known)."""
    with slot.popover("Link to this view", icon=":material/link:"):
        st.code(link, language=None, wrap_lines=True)
        st.caption("Copy it with the button beside it. Whoever opens it sees this view."
                   + (" It names a model only this browser tab has: others get the default model." if private else ""))
