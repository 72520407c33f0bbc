"""The MSE vs BCE page's first two tabs: the models side by side, and their blur measured."""
from types import MappingProxyType

import streamlit as st

from app_pages.mse_vs_bce import data as mse_data
from app_pages.mse_vs_bce.figures import MEASURE_LABELS, blur_bars, grid, image_rows
from ui.models import checkpoint, checkpoint_names, dataset_of, info
from vae.blur import GREY_HIGH, GREY_LOW

DECODERS = MappingProxyType({"bce": "Bernoulli", "mse": "Gaussian", "notes": "notes' loss"})
N_DIGITS = 12


def unit(config) -> str:
    if config.likelihood == "bce":
        return "nats per image, Bernoulli"
    if config.likelihood == "mse":
        return f"nats per image, Gaussian density (σ = {config.sigma:g})"
    return "notes' scale: mean squared error per pixel + KL"


def numbers_table(names) -> list[dict]:
    rows = []
    for name in names:
        ckpt = checkpoint(name)
        rows.append({"model": name, "decoder": DECODERS[ckpt.config.likelihood],
                     "−ELBO (test loss)": round(ckpt.metrics["test_loss"], 2),
                     "reconstruction": round(ckpt.metrics["test_recon"], 2),
                     "KL": round(ckpt.metrics["test_kl"], 2), "unit": unit(ckpt.config)})
    return rows


def side_by_side(names):
    keys, dataset = mse_data.stamps(names), info(dataset_of(names[0]))
    source_col, class_col, seed_col = st.columns(3)
    source = source_col.radio("Test images", ["random", "one class"], horizontal=True, key="mse_vs_bce_source")
    digit = class_col.selectbox("Class", range(10), key="mse_vs_bce_digit", disabled=source == "random",
                                format_func=dataset.label)
    seed = seed_col.number_input("Draw", 0, 10_000, 0, key="mse_vs_bce_seed", help="change it for other images")
    indices = tuple(mse_data.pick_digits(None if source == "random" else digit, N_DIGITS, int(seed), dataset.name))
    st.caption(f"Rows: the original test {dataset.item}, then each model's decoder mean at its posterior mean. "
               "Hover a pixel to read its value.")
    st.plotly_chart(image_rows(mse_data.reconstructions(keys, indices), [f"#{i}" for i in indices]),
                    key="mse_vs_bce_recon")
    st.subheader("The same prior samples z ~ N(0, I), decoded by each model")
    st.plotly_chart(image_rows(mse_data.prior_decodes(keys, N_DIGITS)), key="mse_vs_bce_prior")
    st.subheader("The same latent grid (5%–95% prior quantiles), decoded by each model")
    for col, key in zip(st.columns(len(keys)), keys):
        with col:
            st.markdown(f"**{key[0]}**")
            st.plotly_chart(grid(mse_data.manifold(key, 15)), key=f"mse_vs_bce_grid_{key[0]}")
    st.subheader("Test-set numbers")
    st.dataframe(numbers_table(names), hide_index=True, key="mse_vs_bce_numbers")
    st.caption("Each model's terms are in its own unit: Bernoulli nats are probabilities of pixel values, "
               "Gaussian nats a density, so the two columns cannot be compared across decoders — and neither "
               "says which image is blurrier. The next tab measures that directly.")


def verdict(rows) -> str:
    """The blur table in one sentence: how each model's reconstructions compare with the real images and each other."""
    by = {r["images"]: r for r in rows}
    real = by["real test images"]
    models = [r["model"] for r in rows if r["images"].endswith("reconstructions")]
    parts = [f"Real images have {real['grey_share']:.1%} undecided pixels"]
    for name in models:
        rec = by[f"{name}: reconstructions"]
        parts.append(f"{name} reconstructions {rec['grey_share']:.1%} "
                     f"({rec['grey_share'] / real['grey_share']:.1f}× as many), "
                     f"with edges {real['edge_steepness'] / rec['edge_steepness']:.1f}× less steep")
    shares = sorted((by[f"{n}: reconstructions"]["grey_share"], n) for n in models)
    (low, sharper), (high, blurrier) = shares[0], shares[-1]
    if high / low < 1.1:
        tail = (f"The two decoders blur about equally ({blurrier} has {high / low:.2f}× the grey pixels of "
                f"{sharper}): each outputs the mean of the images near a latent point, and a mean is grey "
                "wherever they disagree.")
    else:
        tail = f"{blurrier} blurs more: {high / low:.1f}× the grey pixels of {sharper}."
    return "; ".join(parts) + ". " + tail
def both_datasets(pairs: dict) -> list[dict]:
    """The blur measures of each dataset's real test images and of its two models' reconstructions, one row each."""
    table = []
    for dataset, names in pairs.items():
        if not all(n in checkpoint_names(dataset) for n in names):
            continue
        for r in mse_data.blur_table(mse_data.stamps(names)):
            if not r["images"].endswith("prior samples"):
                table.append({"dataset": info(dataset).title, "images": r["images"],
                              **{MEASURE_LABELS[k]: round(r[k], 3) for k in MEASURE_LABELS}})
    return table


def blur_section(names, pairs: dict):
    rows = mse_data.blur_table(mse_data.stamps(names))
    st.write(
        f"Three numbers per set of images, each averaged over 10,000 images. **Undecided pixels**: the share "
        f"of pixels between {GREY_LOW} and {GREY_HIGH}, neither ink nor paper. **Binary entropy**: how unsure "
        "each pixel is if read as a coin with probability p of ink (0 bits when every pixel is 0 or 1, 1 bit "
        "when all are 0.5). **Edge steepness**: how much the intensity climbs per pixel step across an edge; "
        "blur spreads each edge over more pixels, so it falls.")
    st.plotly_chart(blur_bars(rows), key="mse_vs_bce_blur_bars")
    table = [{"images": r["images"], **{MEASURE_LABELS[k]: round(r[k], 3) for k in MEASURE_LABELS}} for r in rows]
    st.dataframe(table, hide_index=True, key="mse_vs_bce_blur_table")
    st.info(verdict(rows) + " The next tab shows why a mean is grey, and what a Bernoulli decoder does "
            "differently when it samples.")
    st.subheader("Digits and clothes, side by side")
    st.write("The same measures for both datasets. Clothes have large areas of mid-grey texture that digits do not, "
             "so even their real images have many undecided pixels; compare each model with its own dataset's images.")
    st.dataframe(both_datasets(pairs), hide_index=True, key="mse_vs_bce_blur_both")
