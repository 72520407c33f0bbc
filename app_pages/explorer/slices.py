"""Which plane of a latent space with more than two dimensions the explorer shows: two coordinate axes or the codes'
two principal directions, through a test image's code, the other coordinates held there (vae.latent)."""
import numpy as np
import streamlit as st

from vae.latent import coordinate_axes, pca_plane, slice_plane

PCA = "the two principal directions (PCA)"
AXES = "two coordinates"


def plane_of(cut: tuple, mu: np.ndarray) -> dict:
    """cut: ("pca", index) or ("axes", i, j, index) -> the slice through test image `index`'s code."""
    if cut[0] == "pca":
        found = pca_plane(mu)
        return {**slice_plane(mu[cut[-1]], found["axes"]), "names": ["PC1", "PC2"], "share": found["share"]}
    names = [f"z{cut[1] + 1}", f"z{cut[2] + 1}"]
    return {**slice_plane(mu[cut[-1]], coordinate_axes(cut[1], cut[2], mu.shape[1])), "names": names}


def slice_controls(dim: int, item: str) -> tuple | None:
    """The widgets that choose the slice, or None for a 2-D model (its map is the whole latent space)."""
    if dim == 2:
        return None
    st.caption(f"This model's latent space has {dim} dimensions; the map is a plane through it, a 2-D slice: a "
               "click decodes a point of that plane, and every other coordinate is held where the chosen code has it.")
    kind_col, i_col, j_col, at_col = st.columns([2, 1, 1, 1])
    kind = kind_col.radio("Slice along", [PCA, AXES], key="explorer_slice_kind", horizontal=True)
    i = i_col.number_input("first axis z_i", 1, dim, 1, key="explorer_slice_i", disabled=kind == PCA)
    j = j_col.number_input("second axis z_j", 1, dim, 2, key="explorer_slice_j", disabled=kind == PCA)
    at = at_col.number_input(f"through test {item} #", 0, 9999, 0, key="explorer_slice_at")
    if kind == AXES and i == j:
        st.caption("The two axes must differ; showing z_i against the next one.")
        j = i % dim + 1
    return ("pca", int(at)) if kind == PCA else ("axes", int(i) - 1, int(j) - 1, int(at))


def describe(cut: tuple, plane: dict, item: str) -> str:
    """One line under the map saying which plane it is."""
    through = f"through the code of test {item} #{cut[-1]}"
    if cut[0] == "pca":
        a, b = plane["share"]
        return (f"The plane of the codes' two principal directions, PC1 and PC2 (they hold {a:.0%} and {b:.0%} of the "
                f"codes' variance), {through}. The dots are every code's projection onto it.")
    return (f"The plane of z{cut[1] + 1} and z{cut[2] + 1}, {through}, every other coordinate held at that code's "
            "value. The dots are every code's values of those two coordinates.")
