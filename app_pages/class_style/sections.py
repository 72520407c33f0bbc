"""The page's sections below the plane: one style in every class, and the user's own digit redrawn as every class."""
import numpy as np
import streamlit as st

from app_pages.class_style.data import STYLES, as_every_class, encode_with_class, prior_styles, styles
from app_pages.class_style.figures import image_table
from ui.pad import SIDE, digit_pad
from vae.serve.browser_values import read_ink
from vae.serve.digit_image import MAX_BYTES as IMAGE_BYTES, normalise_digit, read_image
from vae.serve.untrusted import UntrustedInputError


def _next_seed():
    st.session_state["class_style_seed"] = st.session_state.get("class_style_seed", 0) + 1


def grid_section(name: str | None, model, dataset, z, own: dict | None):
    """Rows are classes, columns latent points: the user's digit's code, the point picked on the plane, and draws
    from the prior. Each column is one z, so one style, written as every class. `name`: a shipped checkpoint's
    (its draws are cached for everyone), None for this session's own model."""
    st.subheader("One style, every class")
    st.write(f"Each column is one point z, decoded once per class: the rows differ only in the one-hot y given to "
             f"the decoder. Slant, thickness and size stay the same down a column while the {dataset.item} changes: "
             "the class is in y, and z is left with the style.")
    st.button("Draw new styles", key="class_style_redraw", on_click=_next_seed)
    seed = st.session_state.get("class_style_seed", 0)
    columns, images = [], []
    if own is not None and "mu" in own:
        columns.append("yours")
        images.append(own["redrawn"][:, None])
    if z is not None:
        columns.append("picked")
        images.append(as_every_class(model, [z]))
    columns += [str(k + 1) for k in range(STYLES)]
    images.append(styles(name, seed) if name else as_every_class(model, prior_styles(seed)))
    image_table(np.concatenate(images, axis=1), dataset.classes, columns, key="class_style_grid", cell=64)
    st.caption(f"Columns 1-{STYLES}: z drawn from N(0, I) with seed {seed}"
               + ("; picked: the point last chosen on the plane" if z is not None else "")
               + ("; yours: the mean of q(z|x, y) of your own drawing" if columns[0] == "yours" else "") + ".")


def own_digit(model, dataset) -> dict | None:
    """The drawn digit if the pad has ink, else the uploaded file, encoded with the class picked for it:
    encode_with_class's numbers and "x", {"error"} for a file that is not an image, or None. Read from the widgets'
    values in session state, set before the run starts, so that the plane above the widgets can show it."""
    pad = st.session_state.get("class_style_pad")
    upload = st.session_state.get("class_style_upload")
    label = st.session_state.get("class_style_own_class", 0)
    try:
        drawn = read_ink(pad.get("ink") if isinstance(pad, dict) else pad, SIDE)
        if drawn is not None:
            x = normalise_digit(drawn, dataset.box)
        elif upload is not None:
            x = normalise_digit(read_image(upload.getvalue()), dataset.box)
        else:
            return None
    except UntrustedInputError as exc:  # a file that is not an image, or a malformed drawing
        return {"error": str(exc)}
    return {"x": x, **encode_with_class(model, x, label)}


def own_digit_section(own: dict | None, dataset):
    """The pad, the uploader and the class picker; the digit as the encoder sees it, and redrawn as every class."""
    thing = "digit" if dataset.item == "digit" else "drawing"
    st.subheader(f"Your own {thing}, in every class")
    article = "an" if dataset.item[0] in "aeiou" else "a"
    st.write(f"Draw {article} {dataset.item} on the black pad, or upload a picture of one, and say which class it "
             "is. The encoder reads the image with its class, q(z|x, y), so z keeps only how it is drawn; the decoder "
             "then writes that z with each of the ten classes: your hand, every class.")
    pad_col, seen_col, every_col = st.columns([1.3, 1, 1.2], gap="medium")
    with pad_col:
        digit_pad(key="class_style_pad")
        st.file_uploader(f"…or upload a PNG or JPEG of one {dataset.item}", type=["png", "jpg", "jpeg"],
                         key="class_style_upload", max_upload_size=IMAGE_BYTES // 2**20)
        st.selectbox("Its class (the y the encoder is given)", range(10), key="class_style_own_class",
                     format_func=dataset.label)
    if own is None:
        seen_col.caption(f"Your {thing}, as the encoder sees it, and its code will appear here.")
        return
    if "error" in own:
        seen_col.error(own["error"])
        return
    with seen_col:
        st.caption("What the encoder sees")
        st.image(np.kron(own["x"], np.ones((4, 4))), clamp=True, width=112,
                 alt=f"Your {thing}, cropped, scaled and centred on 28 by 28 pixels")
        mu, std = own["mu"], own["std"]
        st.markdown(f"mean of q(z|x, y = {dataset.label(own['label'])})  \n**({mu[0]:.2f}, {mu[1]:.2f})**  \n"
                    f"standard deviations  \n**({std[0]:.3f}, {std[1]:.3f})**")
    with every_col:
        st.caption("Its z, decoded as every class")
        image_table(own["redrawn"][:, None], dataset.classes, ["yours"], key="class_style_own_table", cell=40)
