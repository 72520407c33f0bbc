"""The Class page's sections: sending a model, the board (chart and table, redrawn as entries arrive), a closer look
at one entry, and the teacher's controls."""
import streamlit as st

from app_pages.class_board import data
from ui import board
from ui.board_store import board_db, entry_name, open_entry, parse_entry
from ui.models import info
from ui.navigation import script
from vae.serve.board import BoardInputError
from vae.serve.board_db import BoardRefused, get_class

PICK = "board_pick"  # session_state: the entry id looked at closer


def _say(kind: str, message: str):
    st.session_state["board_said"] = (kind, message)


def said():
    """The outcome of the last action, shown once where the action was taken."""
    kind, message = st.session_state.pop("board_said", (None, None))
    if kind:
        {"success": st.success, "error": st.error, "info": st.info}[kind](message)


def send_section(code: str, klass: dict) -> int:
    """The form, what it said, and this session's own entries with their Withdraw; returns the class's version, read
    again after a Send."""
    st.subheader("Send your model")
    if not klass["open"]:
        st.info("The teacher has closed submissions for now.", icon=":material/lock:")
    own = board.sendable()
    if own and st.session_state.get("board_model") not in own:  # drawn empty before (Streamlit would keep it empty)
        st.session_state["board_model"] = own[0]
    if not own:
        st.caption("Train a model on the Train page (or open your own checkpoint in the sidebar), then come back here "
                   "to put it on the board. A training still running can be sent once it has finished.")
    with st.form("board_send", border=False, enter_to_submit=False):
        model_col, name_col, button_col = st.columns([2, 2, 1], vertical_alignment="bottom")
        label = model_col.selectbox("Model", own, key="board_model", disabled=not own)
        name = name_col.text_input("Your name on the board", max_chars=30, key="board_name",
                                   placeholder="a first name or a nickname")
        sent = button_col.form_submit_button("Send", type="primary", disabled=not (own and klass["open"]))
    if sent:
        try:
            entry_id = board.send(code, label, name)
            _say("success", f"On the board as #{entry_id}.")
        except (BoardInputError, BoardRefused) as exc:
            _say("error", f"Not sent: {exc}")
    said()
    version = get_class(board_db(), code)["version"] if sent else klass["version"]  # a Send's entry has its Withdraw
    mine = [r for r in data.rows(code, version) if r["owner"] == board.owner()]
    for row in mine:
        text_col, button_col = st.columns([4, 1], vertical_alignment="center")
        text_col.text(f"Yours: {data.label(row)} · −ELBO {row['neg_elbo']:.2f}")
        if button_col.button("Withdraw", key=f"board_withdraw_{row['id']}"):
            gone = board.withdraw(code, row["id"])
            _say("info" if gone else "error", f"#{row['id']} withdrawn." if gone else "It was not on the board.")
            st.rerun()
    return version


TEACHER_POLL, STUDENT_POLL = "2s", "5s"  # the projected board first; a room of phones polling costs the server


def board_section(code: str, drawn: int):
    """The board, redrawn from the database every few seconds; `drawn` is the class's version the page around it was
    drawn at."""
    st.fragment(_board, run_every=TEACHER_POLL if board.is_teacher() else STUDENT_POLL)(code, drawn)


def _board(code: str, drawn: int):
    """One poll: the class's version, then rows, table and figure from caches keyed by it (a poll of an unchanged
    board builds nothing)."""
    klass = get_class(board_db(), code)
    if klass is None:
        st.warning("This class was removed.")
        return
    if klass["version"] != drawn and board.is_teacher():  # the teacher's controls list the entries: redraw them too
        st.rerun(scope="app")
    rows = data.rows(code, klass["version"])
    state = "open" if klass["open"] else "closed"
    st.subheader(f"The board · {len(rows)} model{'s' * (len(rows) != 1)} · submissions {state}")
    by_col, set_col = st.columns([3, 2])
    by = by_col.segmented_control("Colour by", list(data.VARIED), default="beta", required=True, key="board_by",
                                  format_func=lambda k: data.VARIED[k][0])
    views = data.families(rows)
    view = set_col.selectbox("Models scored on", views, key="board_view", disabled=len(views) < 2,
                             help="Distortions are comparable only on the same images with the same kind of decoder.")
    fig = data.chart(code, klass["version"], by, view)
    if fig is not None:
        event = st.plotly_chart(fig, key="board_chart", on_select="rerun", selection_mode="points")
        _pick([p.get("customdata") for p in event.selection.points if p.get("customdata")], code, "board_chart_seen")
    st.caption("Each square is a model of the class, scored once, when it arrived, on the 10,000 test images, as the "
               "shipped ladders were (the red and blue lines, MNIST with a Bernoulli decoder). Rate and distortion "
               "are nats per image. A Gaussian decoder's distortion is a density, which depends on its σ, and "
               "binarized images are other data: each has its own view. The notes' loss and plain autoencoders have "
               "no ELBO: they are in the table only. Click a point or a row to look closer.")
    lines = data.table(code, klass["version"])
    table = st.dataframe(lines, hide_index=True, key="board_table", on_select="rerun",
                         selection_mode="single-row", width="stretch")
    picked = [lines[i]["#"] for i in table.selection.rows]
    _pick([entry_name(code, i) for i in picked], code, "board_table_seen")


def _pick(names: list, code: str, seen: str):
    """A new click on the chart or the table: look closer at that entry (a full rerun draws it below)."""
    if names == st.session_state.get(seen):
        return
    st.session_state[seen] = names
    picked = parse_entry(names[0]) if names else None
    if picked and picked[0] == code:
        st.session_state[PICK] = picked[1]
        st.rerun(scope="app")


@st.fragment
def closer_section(code: str, rows: list[dict]):
    st.subheader("Look closer")
    by_id = {r["id"]: r for r in rows}
    if st.session_state.get(PICK) not in by_id:  # none yet, or removed: the teacher's screen shows the newest
        st.session_state[PICK] = rows[-1]["id"] if board.is_teacher() else None
    entry_id = st.selectbox("Model", list(reversed(by_id)), key=PICK, format_func=lambda i: data.label(by_id[i]),
                            index=None, placeholder="click a point or a row above, or choose here")
    if entry_id is None:  # a model's map and pictures cost the server: drawn for those who ask
        return
    row, name = by_id[entry_id], entry_name(code, entry_id)
    s = row["settings"]
    st.caption(f"{info(s['dataset']).title} · {data.decoder(s)} · β = {s['beta']:g} · latent size {s['latent_dim']} · "
               f"{s['epochs_trained']} epochs · trained: {data.WHERE[row['source']]}")
    open_entry(name)  # then the pages below list it, for this session
    map_col, pics_col = st.columns([3, 2], gap="large")
    with map_col:
        fig, size = data.latent_map(name)
        if size > 2:
            st.caption(f"{size} latent dimensions: the codes' two principal directions.")
        st.plotly_chart(fig, key="board_closer_map")
    with pics_col:
        st.image(data.pictures(name), clamp=True, width="stretch",
                 alt=f"Ten test images, {name}'s reconstructions of them, and ten samples it decodes from the prior")
        st.caption("Top: ten test images; middle: as this model reconstructs them (from the mean of q(z|x)); "
                   "bottom: ten samples, z drawn from the prior N(0, I) and decoded.")
        st.markdown("Open it for everyone, with these links:")
        pages = [("explorer", "the explorer"), ("latent_map", "the latent map")]
        if data.on_chart(row):
            pages.append(("elbo_lab", "the ELBO lab"))
        for page, title in pages:
            st.page_link(script(page), label=title, icon=":material/open_in_new:", query_params={"checkpoint": name})
        st.code(f"?checkpoint={name}", language=None)
        st.caption("Whoever opens one of these links sees this model on that page: add the part above to the page's "
                   "address, or click a link on a phone showing this board.")


def teacher_section(code: str | None, rows: list[dict]):
    with st.expander("For the teacher", icon=":material/key:", expanded=board.is_teacher()):
        if not board.is_teacher():
            with st.form("board_unlock", border=False):
                typed = st.text_input("Teacher key", type="password", key="board_key",
                                      help="Printed by `./dev app` when it starts, or set as VAE_TEACHER_KEY.")
                if st.form_submit_button("Unlock"):
                    if board.unlock(typed):
                        st.rerun()
                    st.error("That is not this server's teacher key." if board.teacher_key() else
                             "This server has no teacher key (set VAE_TEACHER_KEY and restart it).")
            return
        _teacher_controls(code, rows)


def _teacher_controls(code: str | None, rows: list[dict]):
    if st.button("Start a new class", key="board_new_class", icon=":material/add:"):
        st.session_state["board_class_next"] = board.new_class()
        st.rerun()
    if code is None:
        return
    klass = get_class(board_db(), code)
    share = f"{st.context.url or ''}?class={code}"
    st.markdown(f"Students open the Class page with the code **{code}**, or this link:")
    st.code(share, language=None)
    # keyed by class and version: a toggle of another class at the same version would hand this one its value
    want_open = st.toggle("Submissions open", value=klass["open"], key=f"board_open_{code}_{klass['version']}")
    if want_open != klass["open"]:
        board.set_open(code, want_open)
        st.rerun()
    if rows:
        by_id = {r["id"]: r for r in rows}
        gone_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        entry_id = gone_col.selectbox("Remove a model", list(reversed(by_id)), key="board_remove_pick",
                                      format_func=lambda i: data.label(by_id[i]))
        if button_col.button("Remove", key="board_remove"):
            _say("info" if board.remove(code, entry_id) else "error",
                 f"#{entry_id} removed." if entry_id in by_id else "It was gone already.")
            st.rerun()
        sure = st.checkbox(f"Yes, delete all {len(rows)} models of this class", key="board_clear_sure")
        if st.button("Clear the board", key="board_clear", disabled=not sure):
            _say("info", f"Cleared {board.clear(code)} models.")
            st.rerun()
