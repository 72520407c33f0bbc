"""The MSE vs BCE page's last two tabs: the toy that shows why a mean is grey, and the σ / β / loss-scale knobs."""
import inspect
from types import MappingProxyType

import numpy as np
import streamlit as st

from app_pages.mse_vs_bce import data as mse_data
from ui.figures import latent_scatter
from ui.models import checkpoint, checkpoint_names, dataset_of, encoded_test_set, images, info
from app_pages.mse_vs_bce.figures import fit_traces, image_rows, pixel_histogram
from vae.toy import STROKES, WIDTH, fit_constant

KNOB_BETAS = (1, 2, 4)  # the whole β ladder, 0.1 to 16, is on the Latent size page
CONTESTED = STROKES[1][-1]  # a pixel of the second stroke only: ink with probability p
FAMILIES = MappingProxyType({
    "Decoder σ (Gaussian)": "σ sets the price of a squared error (it is divided by 2σ²). A larger σ makes "
                            "reconstruction cheaper against the KL, so the encoder may keep less about each digit "
                            "(a smaller KL) at the cost of a worse fit; how much each side moves is measured below.",
    "β (Bernoulli)": "β multiplies the KL term: a larger β buys a tighter latent (smaller KL) with a worse "
                     "reconstruction. (One nat of free bits per dimension stops the KL from reaching 0.)",
    "The notes' loss": "The notes average the squared error over 784 pixels instead of summing it, which weighs "
                       "reconstruction ~784× less than the Gaussian likelihood does: the KL wins outright, every "
                       "digit is encoded onto the prior and decodes to the same average image.",
})


def toy_section(names):
    st.write(f"500 one-row images, {WIDTH} pixels each: with probability 1 − p the stroke covers pixels "
             f"{STROKES[0]}, otherwise {STROKES[1]}. One output must serve them all, as one decoder output must "
             "serve every digit whose code lands near the same latent point.")
    p = st.slider("p: probability of the right-hand stroke", 0.0, 1.0, 0.5, 0.05, key="mse_vs_bce_p")
    fit = mse_data.toy(p)
    bce_mean, cols = fit["bce"]["output"], 4
    rows = {"data": fit["x"][:cols, None], "MSE fit": np.repeat(fit["mse"]["output"][None, None], cols, 0),
            "BCE fit (mean)": np.repeat(bce_mean[None, None], cols, 0),
            "BCE samples": fit["bernoulli"][:cols, None], "Gaussian samples": fit["gaussian"][:cols, None]}
    # Blue gaps: the toy's ink is white and its paper black, so neither may separate the tiles.
    st.plotly_chart(image_rows(rows, hover="value", gap_colour="#6fa8dc"), key="mse_vs_bce_toy_rows")
    st.caption("Four examples per row. Gaussian samples: the MSE fit plus noise with σ = 0.1.")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.plotly_chart(fit_traces({"mse fit": fit["mse"]["trace"], "bce fit": fit["bce"]["trace"]}, CONTESTED,
                                   float(fit["x"][:, CONTESTED].mean())), key="mse_vs_bce_toy_trace")
    right.write(f"At pixel {CONTESTED} the MSE fit ends at **{fit['mse']['output'][CONTESTED]:.2f}** and the BCE "
                f"fit at **{bce_mean[CONTESTED]:.2f}**: both land on the share of images with ink there. The "
                "means are equally grey. The difference is a sample: a Bernoulli pixel is 0 or 1, sharp (drawn "
                "independently, so a sample can mix both strokes); a Gaussian sample is the grey mean plus noise.")
    with right.expander("The fitting code"):
        st.code(inspect.getsource(fit_constant), language="python")
    dataset = info(dataset_of(names[0]))
    st.subheader(f"The same on real {'digits' if dataset.item == 'digit' else 'clothes'}")
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.session_state.setdefault("mse_vs_bce_index", 0)  # a default set here, so that a link may set another
        index = st.number_input(f"Test {dataset.item} #", 0, 9999, key="mse_vs_bce_index")
        hood = mse_data.neighbourhood(mse_data.stamps(names), int(index))
        outputs = {name: float(img.reshape(-1)[hood["pixel"]]) for name, img in hood["outputs"].items()}
        x = images(dataset.name).x_test[hood["neighbours"][:6]].reshape(-1, 28, 28).numpy()
        st.plotly_chart(image_rows({"neighbours": x}, width=440), key="mse_vs_bce_neighbours")
        row, col = divmod(hood["pixel"], 28)
        st.write(f"The 50 test images encoded nearest to #{index} (by {names[0]}) disagree most at pixel "
                 f"(row {row}, column {col}); the histogram shows what they hold there. The models output "
                 + ", ".join(f"{n} **{v:.2f}**" for n, v in outputs.items())
                 + f"; the neighbours' mean is **{hood['values'].mean():.2f}**.")
    with right:
        st.plotly_chart(pixel_histogram(hood["values"], outputs), key="mse_vs_bce_pixel_hist")


def family(label: str) -> list[str]:
    names = checkpoint_names("mnist")  # the knobs were turned on MNIST
    configs = {n: checkpoint(n).config for n in names}
    if label.startswith("Decoder σ"):
        chosen = [n for n in names if configs[n].likelihood == "mse" and configs[n].beta == 1]
        return sorted(chosen, key=lambda n: configs[n].sigma)
    if label.startswith("β"):
        chosen = [n for n in names if configs[n].likelihood == "bce" and configs[n].variational
                  and not checkpoint(n).train_config.binarize and configs[n].latent_dim == 2
                  and configs[n].beta in KNOB_BETAS]
        return sorted(chosen, key=lambda n: configs[n].beta)
    return [n for n in ("mse", "notes") if n in names]


def unit_short(config) -> str:
    if config.likelihood == "notes":
        return "notes' scale"
    return "nats, density" if config.likelihood == "mse" else "nats"


def knobs_section(dataset: str = "mnist"):
    if dataset != "mnist":
        st.info(f"The σ and β ladders and the notes' loss were trained on MNIST only, so this tab shows MNIST models "
                f"whichever dataset is chosen above ({info(dataset).title}).")
    label = st.radio("Knob", list(FAMILIES), horizontal=True, key="mse_vs_bce_knob")
    names = family(label)
    st.write(FAMILIES[label])
    keys = mse_data.stamps(names)
    rows = []
    for key in keys:
        ckpt, summary = checkpoint(key[0]), mse_data.recon_summary(key)
        rows.append({"model": key[0], "σ": ckpt.config.sigma if ckpt.config.likelihood == "mse" else None,
                     "β": ckpt.config.beta, "epochs": ckpt.train_config.epochs,
                     "KL, nats/image": round(ckpt.metrics["test_kl"], 2),
                     "squared error/image": round(summary["squared_error"], 1),
                     "undecided pixels": f"{summary['grey_share']:.1%}",
                     "−log p(x|z), own unit": f"{ckpt.metrics['test_recon']:.2f} ({unit_short(ckpt.config)})"})
    st.dataframe(rows, hide_index=True, key="mse_vs_bce_knob_table")
    first, last = rows[0], rows[-1]
    st.write(f"From {first['model']} to {last['model']}: KL {first['KL, nats/image']:.2f} → "
             f"{last['KL, nats/image']:.2f} nats per image, squared error {first['squared error/image']:.1f} → "
             f"{last['squared error/image']:.1f} per image, undecided pixels {first['undecided pixels']} → "
             f"{last['undecided pixels']}.")
    st.caption("Squared error and undecided pixels are measured on the 10,000 test reconstructions (decoder "
               "mean at the posterior mean) and compare across models; −log p(x|z) is each model's own "
               "term, in a unit that changes with σ and with the loss.")
    st.plotly_chart(image_rows(mse_data.prior_decodes(keys, 12)), key="mse_vs_bce_knob_samples")
    st.caption("The same prior samples z ~ N(0, I) decoded by each model. Below, each model's latent map "
               "(posterior means of 2,000 test digits).")
    for col, name in zip(st.columns(len(names)), names):
        with col:
            enc = encoded_test_set(name)
            fig = latent_scatter(enc["mu"][:2000], enc["label"][:2000], height=340)
            fig.update_layout(title=name, showlegend=False)
            st.plotly_chart(fig, key=f"mse_vs_bce_map_{name}")
