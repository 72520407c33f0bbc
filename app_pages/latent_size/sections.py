"""The page's two sections: the latent-size ladder measured and shown, and rate against distortion."""
import streamlit as st

from app_pages.latent_size import data
from app_pages.latent_size.gap import gap_part, gap_stamps
from ui.ladders import ladder_points
from ui.rate_distortion import rate_distortion_figure
from ui.models import checkpoint, stamp
from ui.shared_figure import shared_elements, shared_figure
from ui.navigation import script

N_SHOWN = 10


def size_table(names) -> list[dict]:
    rows = []
    for name in names:
        ckpt = checkpoint(name)
        m = ckpt.metrics
        rows.append({"checkpoint": name, "latent size": ckpt.config.latent_dim, "−ELBO": round(m["test_loss"], 2),
                     "reconstruction (distortion)": round(m["test_recon"], 2), "KL (rate)": round(m["test_kl"], 2)})
    return rows


def blur_table(names) -> list[dict]:
    return [{"checkpoint": r["name"], "latent size": checkpoint(r["name"]).config.latent_dim,
             "reconstructions: undecided pixels": f"{r['recon']['grey_share']:.1%}",
             "reconstructions: edge steepness": round(r["recon"]["edge_steepness"], 3),
             "prior samples: undecided pixels": f"{r['prior']['grey_share']:.1%}",
             "prior samples: edge steepness": round(r["prior"]["edge_steepness"], 3)}
            for r in data.blur_rows(data.keys(names))]


def size_section(names):
    """Drawn from the messages made for the first student who saw the same (ui/shared_figure.shared_elements) around
    its one widget, the seed of the digits drawn."""
    stamps = tuple(map(stamp, names))
    shared_elements(_ladder_measured, tuple(names), key=(stamps, gap_stamps()))
    seed = st.number_input("Digits drawn with seed", 0, 10_000, 0, key="latent_size_seed")
    shared_elements(_pictures, tuple(names), int(seed), key=stamps)


def _ladder_measured(names: tuple):
    st.header("1 · From 2 to 32 latent dimensions")
    st.write(
        "The same encoder and decoder, trained the same way, with only the size of z changed. Each added dimension "
        "lets the code say more about its digit: the reconstruction term falls, the KL rises (more information "
        "is kept), and the bound on log p(x) improves, up to a point: here the best −ELBO is at 8 dimensions and the "
        "best log p(x) at 16. At 32 they worsen, because these models train with one free nat of KL per dimension "
        "(as the 2-D model needs), and 32 dimensions spend 32 nats of rate on it. What is lost is the picture: beyond "
        "two dimensions there is no plane to look at, only projections and slices of it.")
    st.dataframe(size_table(names), hide_index=True, key="latent_size_table")
    st.caption("Nats per MNIST test image (grey levels, Bernoulli decoder), means over all 10,000 test digits of "
               "one draw of z each (Monte Carlo error a few hundredths of a nat).")
    gap_part(names)


def _pictures(names: tuple, seed: int):
    pics = data.pictures(data.keys(names), N_SHOWN, seed)
    recon_col, prior_col = st.columns(2, gap="large")
    with recon_col:
        st.subheader("The same test digits, reconstructed")
        st.image(data.mosaic([pics["original"]] + [pics[n] for n in names]), clamp=True, width="stretch",
                 alt=f"{N_SHOWN} test digits in the top row, below them each model's reconstruction, one row per "
                     "latent size")
        st.caption("Top row: the test digits. Below, one row per latent size: " + ", ".join(
            f"{checkpoint(n).config.latent_dim}" for n in names) + ".")
    with prior_col:
        st.subheader("Samples from the prior")
        st.image(data.mosaic([pics[f"{n} prior"] for n in names]), clamp=True, width="stretch",
                 alt=f"{N_SHOWN} samples from the prior decoded by each model, one row per latent size")
        st.caption("z ~ N(0, I) in all the dimensions of each model, decoded; one row per latent size, as on the left. "
                   "Larger codes reconstruct sharper, but their prior puts mass where no digit was encoded.")
    st.subheader("Blur, measured")
    st.dataframe(blur_table(names), hide_index=True, key="latent_size_blur")
    st.caption("Real test digits: 6.1% undecided pixels (0.2 < p < 0.8), edge steepness 0.68; see the MSE vs BCE "
               "page for the measures.")


def ladders_figure(betas: tuple, sizes: tuple):
    return rate_distortion_figure(ladder_points(list(betas), list(sizes)))


def rate_section(betas, sizes):
    st.header("2 · Rate against distortion")
    st.write(
        "Alemi et al. (2018) read the two terms of the −ELBO as a trade: the **rate** R = KL(q(z|x) ‖ p(z)), how many "
        "nats the code carries about its image, and the **distortion** D = −E_q[log p(x|z)], how badly the image "
        "is rebuilt from it. The −ELBO is D + R, so every dotted line below is a line of equal −ELBO: models on one "
        "line have the same bound and differ only in how they split it. **Along a line**, rate is traded for "
        "distortion at no cost to the bound; β is the knob that slides a model along (β > 1 pays distortion for a "
        "smaller rate, β < 1 the reverse). **Across the lines**, towards the lower left, is a better model: a lower "
        "−ELBO, which at a fixed architecture β cannot buy, but more latent dimensions can.")
    shown = ladder_points(betas, sizes)
    chart_col, side = st.columns([3, 1], gap="large")
    with chart_col:
        figure = shared_figure(ladders_figure, tuple(betas), tuple(sizes), key=tuple(map(stamp, betas + sizes)))
        event = st.plotly_chart(figure, key="latent_size_rd", on_select="rerun", selection_mode="points")
    picked = [p.get("customdata") for p in (event.selection.points if event else []) if p.get("customdata")]
    names = [p["name"] for p in shown]
    if picked != st.session_state.get("latent_size_clicked"):  # a new click, not the same selection again
        st.session_state["latent_size_clicked"] = picked
        if picked and picked[0] in names:
            st.session_state["latent_size_open"] = picked[0]
    with side:
        name = st.selectbox("Open a checkpoint (or click its point)", list(dict.fromkeys(names)),
                            key="latent_size_open")
        ckpt = checkpoint(name)
        st.metric("rate R, nats", f"{ckpt.metrics['test_kl']:.2f}")
        st.metric("distortion D, nats", f"{ckpt.metrics['test_recon']:.2f}")
        st.metric("D + R = −ELBO, nats", f"{ckpt.metrics['test_recon'] + ckpt.metrics['test_kl']:.2f}")
        st.caption(f"β = {ckpt.config.beta:g}, latent size {ckpt.config.latent_dim}, {ckpt.train_config.epochs} epochs.")
        st.markdown(f"Open `{name}` in:")
        for page, label in (("latent_map", "the latent map"), ("explorer", "the explorer"), ("elbo_lab", "the ELBO lab")):
            st.page_link(script(page), label=label, icon=":material/open_in_new:", query_params={"checkpoint": name})
    return name
