"""The size ladder's gap, each number with what it estimates and its standard error, from checkpoints/ladder_gap.json
(scripts/ladder_gap.py: minutes a checkpoint, so computed ahead) and, for the 2-D model, checkpoints/gap.json's exact
values on the same digits."""
import streamlit as st

from ui.models import checkpoint, images
from vae.serve.gap_table import GAP_FILE, LADDER_FILE, current, read_table


def _stamp(path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


def _rows(names: tuple) -> list[dict]:
    ladder, exact, rows = read_table(LADDER_FILE), read_table(GAP_FILE), []
    for name in names:
        ckpt, entry = checkpoint(name), ladder.get(name)
        data_sha = images(ckpt.train_config.dataset).sha256
        if entry is None or not current(entry, ckpt.model, data_sha):
            continue
        m, se = entry["mean"], entry["se"]
        row = {"checkpoint": name, "latent size": entry["latent_dim"], "digits": entry["images"],
               "−ELBO, 2,000 draws": f"{-m['elbo_encoder']:.2f} ± {se['elbo_encoder']:.2f}",
               "−ELBO, one draw": f"{-m['elbo_one_draw']:.2f}",
               "−log p(x), IWAE from q*": f"{-m['iwae_star']:.2f} ± {se['iwae_star']:.2f}",
               "−log p(x), IWAE from q(z|x)": f"{-m['iwae_encoder']:.2f} ± {se['iwae_encoder']:.2f}",
               "gap": f"{m['iwae_star'] - m['elbo_encoder']:.2f} ± {(se['iwae_star'] ** 2 + se['elbo_encoder'] ** 2) ** 0.5:.2f}",
               "of which amortization": f"{m['elbo_star'] - m['elbo_encoder']:.2f} ± {(se['elbo_star'] ** 2 + se['elbo_encoder'] ** 2) ** 0.5:.2f}",
               "−log p(x), exact": None}
        two_d = exact.get(name)
        if two_d is not None and current(two_d, ckpt.model, data_sha) and two_d["images"] >= entry["images"]:
            row["−log p(x), exact"] = round(-sum(two_d["per_image"]["log_px"][:entry["images"]]) / entry["images"], 2)
        rows.append(row)
    return rows


def gap_stamps() -> tuple:
    """What the gap table is read from, as it is now: its two files' modification times."""
    return _stamp(LADDER_FILE), _stamp(GAP_FILE)


def gap_part(names):
    """Drawn inside the size section's shared elements (sections.py): read and built once for everyone, until a
    checkpoint or one of the two files changes (gap_stamps)."""
    rows = _rows(tuple(names))
    st.subheader("The gap, to a stated precision")
    if not rows:
        st.caption("No estimates for these models: run `python scripts/ladder_gap.py`.")
        return
    st.dataframe(rows, hide_index=True, key="latent_size_gap_table")
    st.caption(
        f"Means over the first {rows[0]['digits']} test digits, in nats, ± the Monte Carlo standard error of the mean "
        "(the same digits for every model, so the columns compare). −ELBO: the encoder's q(z|x), 2,000 draws of log "
        "p(x|z) a digit and the KL in closed form; \"one draw\" is what training's evaluation does, noisy by a few "
        "tenths. −log p(x): importance sampling with K = 5,000 draws, 80% of them from a Gaussian fitted to each digit "
        "alone (q*, by stochastic optimisation of its ELBO) with its standard deviations widened by a quarter, 10% from "
        "q(z|x) and 10% from the prior, which reach a mode of the posterior that q* missed; a tighter estimate than the "
        "same K drawn from the encoder's q(z|x) alone (both are lower bounds in expectation; the ± cannot see a mode "
        "that no draw reached). Gap = −ELBO − (−log p(x)): what the encoder's Gaussian loses; of which amortization = ELBO(q*) − "
        "ELBO(q(z|x)), what a better encoder of the same family could win back. For the 2-D model, the exact value by "
        "quadrature on the same digits.")
