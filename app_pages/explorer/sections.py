"""The explorer page's sections under the map: your own digit, prior samples, and the server's check of the chosen z."""
import streamlit as st

from app_pages.explorer.figures import digit_view, mosaic
from ui.pad import SIDE, digit_pad
from vae.serve.browser_values import read_ink
from vae.serve.digit_image import MAX_BYTES as IMAGE_BYTES, normalise_digit, read_image
from vae.serve.untrusted import UntrustedInputError
from vae.latent import decode_point, encode_digit, prior_samples, slice_point


def server_check(model, z, plane=None):
    if z is None:
        z = (0.0, 0.0)
        st.caption("Until you click, the point shown is the map's (0, 0).")
    st.caption("When you let go of the button, the browser sends z to the server, which decodes it with PyTorch "
               "(the browser decoded it from the same weights):")
    z1_col, z2_col, image_col, _ = st.columns([1, 1, 1, 3])
    z1_col.metric("z₁", f"{z[0]:.4f}")
    z2_col.metric("z₂", f"{z[1]:.4f}")
    with image_col:
        digit_view(decode_point(model, z if plane is None else slice_point(plane, *z)), key="explorer_server_digit",
                   width=130)


def _next_seed():
    st.session_state["explorer_seed"] = st.session_state.get("explorer_seed", 0) + 1


def prior_section(model):
    st.subheader("Samples from the prior")
    st.write("Sixteen points drawn from N(0, I) and decoded: what the model makes when nothing is encoded. "
             "Where the prior puts mass but no test image was encoded, the samples come out as blends.")
    st.button("Draw new samples", key="explorer_redraw", on_click=_next_seed)
    seed = st.session_state.get("explorer_seed", 0)
    z, images = prior_samples(model, 16, seed)
    digit_view(mosaic(images, cols=8), key="explorer_prior", width=432, decimals=3)
    first = ", ".join(f"{v:.2f}" for v in z[0, :4]) + (", …" if z.shape[1] > 4 else "")
    st.caption(f"seed {seed} · first z = ({first}), all {z.shape[1]} dimensions drawn")


def own_digit(model, box: int = 20) -> dict | None:
    """The drawn digit if the pad has ink, else the uploaded file: {"x", "mu", "std", "recon"} with q(z|x),
    {"error"} for a file that is not a digit, or None. Read from the widgets' values in session state, which
    are set before the run starts, so that the map above the widgets can show the digit."""
    pad = st.session_state.get("explorer_pad")
    upload = st.session_state.get("explorer_upload")
    try:
        drawn = read_ink(pad.get("ink") if isinstance(pad, dict) else pad, SIDE)
        if drawn is not None:
            x = normalise_digit(drawn, box)
        elif upload is not None:
            x = normalise_digit(read_image(upload.getvalue()), box)
        else:
            return None
    except UntrustedInputError as exc:  # a file that is not a digit, or a malformed drawing
        return {"error": str(exc)}
    return {"x": x, **encode_digit(model, x)}


def own_digit_section(own: dict | None, dataset):
    """The pad, the uploader, and what the encoder made of the user's digit (or garment: `dataset` says which)."""
    thing = "digit" if dataset.item == "digit" else "drawing"
    st.subheader(f"Your own {thing}")
    how = ("scaled to 20 pixels and centred on a 28×28 field as MNIST's digits were" if dataset.box == 20 else
           f"scaled to fill the 28×28 field as {dataset.title}'s images do")
    st.write(f"Draw a {dataset.item} on the black pad, or upload a picture of one (dark on light or light on dark). "
             f"It is cropped to the ink, {how}; its encoding appears on the map, labelled, with the 1σ and 2σ "
             "ellipses of q(z|x) (small when the encoder is sure).")
    digit_pad(key="explorer_pad")
    st.file_uploader(f"…or upload a PNG or JPEG of one {dataset.item}", type=["png", "jpg", "jpeg"],
                     key="explorer_upload",
                     max_upload_size=IMAGE_BYTES // 2**20)  # the widget states the limit the reader enforces
    if own is None:
        return
    if "error" in own:
        st.error(own["error"])
        return
    seen, recon, numbers = st.columns([1, 1, 1.4])
    with seen:
        st.caption("What the encoder sees")
        digit_view(own["x"], key="explorer_own_input", width=110)
    with recon:
        st.caption("Decoded from the mean")
        digit_view(own["recon"], key="explorer_own_recon", width=110)
    mu, std = own["mu"], own["std"]
    part = "" if len(mu) == 2 else f" (first 2 of {len(mu)})"
    numbers.markdown(f"mean of q(z|x){part}  \n**({mu[0]:.2f}, {mu[1]:.2f})**  \n"
                     f"standard deviations  \n**({std[0]:.3f}, {std[1]:.3f})**")
