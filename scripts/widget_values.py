"""The value Streamlit's frontend reports for a widget it has just mounted, before anyone touches it.

The frontend sends every mounted widget's value with each rerun; an untouched widget reports its default, or the
value the server set (`set_value`). Buttons report nothing until pressed, and a components-v2 element only once
its JS sets state. Covers the widget kinds this app uses.
"""
from streamlit.proto.WidgetStates_pb2 import WidgetState


def default_state(kind: str, widget) -> WidgetState | None:
    state = WidgetState(id=widget.id)
    if kind == "selectbox":
        if widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default") and widget.default < len(widget.options):
            state.string_value = widget.options[widget.default]
        else:
            return None
    elif kind == "radio":
        if widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default") and widget.default < len(widget.options):
            state.string_value = widget.options[widget.default]
        else:
            return None
    elif kind == "number_input":
        if not (widget.set_value and widget.HasField("value")) and not widget.HasField("default"):
            return None  # an empty box reports nothing
        value = widget.value if widget.set_value else widget.default
        if widget.data_type == type(widget).INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind == "checkbox":
        state.bool_value = widget.value if widget.set_value else widget.default
    elif kind == "slider" and widget.options:  # a select_slider reports its options' values
        picked = widget.raw_value or [widget.options[int(i)] for i in widget.default]
        state.string_array_value.data.extend(picked)
    elif kind == "slider":
        values = widget.value if widget.set_value else widget.default
        state.double_array_value.data.extend(values)
    elif kind == "button_group":  # the selected options' labels, as the server set them or by default
        picked = widget.raw_values or [widget.options[i].content for i in widget.default]
        state.string_array_value.data.extend(picked)
    elif kind == "file_uploader":
        state.file_uploader_state_value.SetInParent()
    else:
        return None
    return state
