from functools import partial

import streamlit as st

from ui.ladders import beta_ladder, collapsed_twins, size_ladder
from app_pages.latent_size.sections_collapse import collapse_fields, collapse_section
from app_pages.latent_size.sections import rate_section, size_section
from ui.link import link_field, read_link, write_link
from vae.serve.query import read_name

st.title("Latent size, rate and distortion")
st.write(
    "Two latent dimensions are what make the map and the exact posterior possible, and also what makes the samples "
    "blurry. Here the same model is trained with 2, 4, 8, 16 and 32 latent dimensions, and with β from 0.1 to 16, "
    "and each is measured on the test set: what more dimensions buy, and what the ELBO's two terms trade.")
sizes, betas = size_ladder(), beta_ladder()
twins = collapsed_twins(sizes)
share = read_link("latent_size", {"checkpoint": ("latent_size_open", partial(read_name, names=betas + sizes)),
                                  **collapse_fields(sizes + list(twins.values()))})
if len(sizes) < 2 or len(betas) < 2:
    st.error("This page needs the shipped size and β ladders in checkpoints/ (see the README).")
    st.stop()
size_section(sizes)
st.divider()
opened = rate_section(betas, sizes)
st.divider()
link_field(share, write_link({"checkpoint": opened, **collapse_section(sizes, twins)}))
