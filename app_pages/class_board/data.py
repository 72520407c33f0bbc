"""What the board draws, from the database's rows: cached per class and version (the version rises with every change
of the class, so a board that polls redraws from the cache until something changed), and per entry."""
import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from ui.board_store import board_db, entry_name
from ui.ladders import beta_ladder, ladder_points, size_ladder
from ui.figures import latent_scatter
from ui.models import checkpoint, encoded_test_set, images, info
from ui.rate_distortion import rate_distortion_figure
from vae.latent import pca_plane, project
from vae.serve.board_db import entries

# The settings a class varies, by which the chart colours its models: (title, how one value reads).
VARIED = {
    "beta": ("β", lambda s: f"β = {s['beta']:g}"),
    "likelihood": ("likelihood", lambda s: {"bce": "Bernoulli", "mse": f"Gaussian σ = {s['sigma']:g}",
                                            "notes": "notes' loss"}[s["likelihood"]]),
    "latent_dim": ("latent size", lambda s: f"{s['latent_dim']}-D"),
    "epochs_trained": ("epochs", lambda s: f"{s['epochs_trained']} epochs"),
}
LABELLED_UP_TO = 12  # beyond this many models, names would hide the points: hover one instead
WHERE = {"browser": "browser", "server": "server", "upload": "uploaded"}


@st.cache_data(max_entries=64, show_spinner=False)
def rows(code: str, version: int) -> list[dict]:
    """The class's entries (without weights), as the database held them at `version`."""
    return entries(board_db(), code)


def family(s: dict) -> str:
    """Models whose distortions can share a chart: the same test images, scored by the same kind of likelihood."""
    kind = ("Bernoulli decoder, binarized images" if s["binarize"] else "Bernoulli decoder") \
        if s["likelihood"] == "bce" else "Gaussian decoder"
    return f"{info(s['dataset']).title} · {kind}"


LADDERS_FAMILY = "MNIST · Bernoulli decoder"


def families(rows_: list[dict]) -> list[str]:
    """The chart's views: the shipped ladders' own first, then those the class's models need."""
    found = {family(r["settings"]) for r in rows_ if on_chart(r)}
    return [LADDERS_FAMILY] + sorted(found - {LADDERS_FAMILY})


def on_chart(row: dict) -> bool:
    """Models whose rate and distortion are nats of an ELBO: not the notes' loss, not a plain autoencoder."""
    return row["settings"]["likelihood"] != "notes" and row["settings"]["variational"]


def label(row: dict) -> str:
    return f"#{row['id']} {row['name']}"


def decoder(s: dict) -> str:
    return VARIED["likelihood"][1](s) + ("" if s["variational"] else " autoencoder")


@st.cache_data(max_entries=64, show_spinner=False)
def table(code: str, version: int) -> list[dict]:
    """One line per entry, newest first; numbers to two decimals, as the other pages give them."""
    out = []
    for row in reversed(rows(code, version)):
        s, elbo = row["settings"], on_chart(row)
        out.append({"#": row["id"], "name": row["name"], "dataset": info(s["dataset"]).title,
                    "decoder": decoder(s), "β": s["beta"], "latent size": s["latent_dim"],
                    "epochs": s["epochs_trained"], "binarized": s["binarize"], "trained": WHERE[row["source"]],
                    "−ELBO": round(row["neg_elbo"], 2) if elbo else None, "rate": round(row["rate"], 2),
                    "distortion": round(row["distortion"], 2),
                    "sent": time.strftime("%H:%M:%S", time.localtime(row["created"]))})
    return out


@st.cache_data(max_entries=64, show_spinner=False)
def points(code: str, version: int, by: str, view: str) -> list[dict]:
    """The chart's points: the shipped ladders (in their own view), then the class's models of the view `view` (a
    family), grouped by the setting `by`."""
    shown = ladder_points(beta_ladder(), size_ladder()) if view == LADDERS_FAMILY else []
    mine = [r for r in rows(code, version) if on_chart(r) and family(r["settings"]) == view]
    for row in sorted(mine, key=lambda r: (r["settings"][by], r["settings"]["sigma"])):  # legend in the setting's order
        shown.append({"name": entry_name(code, row["id"]), "ladder": VARIED[by][1](row["settings"]),
                      "label": label(row), "rate": row["rate"], "distortion": row["distortion"]})
    return shown


@st.cache_resource(max_entries=64, show_spinner=False)
def chart(code: str, version: int, by: str, view: str) -> go.Figure | None:
    """The rate-distortion figure of one view of the class at `version`, built once and shared read-only by every
    board that polls (building it is most of what a poll would cost: ~18 ms at 100 models)."""
    shown = points(code, version, by, view)
    if not shown:
        return None
    mine = sum(1 for p in shown if p["name"].startswith("class:"))
    fig = rate_distortion_figure(shown, height=520, label_groups=mine <= LABELLED_UP_TO)
    # at the figure's foot: a legend of many groups wraps to rows on a phone, and would cover the axis's title
    fig.update_layout(legend={"yref": "container", "y": 0, "yanchor": "bottom"})
    return fig


@st.cache_resource(max_entries=32, show_spinner="Encoding the 10,000 test images...")
def latent_map(name: str) -> tuple[go.Figure, int]:
    """The entry's encoded test set as the latent map draws it (beyond 2-D, its two principal directions), and its
    latent size; built once per entry and shared read-only (an entry never changes)."""
    enc = encoded_test_set(name)
    mu, axes = enc["mu"], ("z₁", "z₂")
    if mu.shape[1] > 2:
        mu, axes = project(pca_plane(mu), mu), ("PC1", "PC2")
    fig = latent_scatter(mu, enc["label"], height=420, classes=enc["classes"], item=enc["item"])
    fig.update_layout(xaxis_title=axes[0], yaxis_title=axes[1])
    return fig, enc["mu"].shape[1]


@st.cache_data(max_entries=32, show_spinner="Drawing this model's reconstructions and samples...")
def pictures(name: str, n: int = 10) -> np.ndarray:
    """One grey image of three rows: n test images of its dataset (the same for every model), their reconstructions
    from the posterior mean, and n samples from the prior."""
    model = checkpoint(name).model
    x = images(checkpoint(name).train_config.dataset).x_test[:n]
    with torch.no_grad():
        recon = model.decode_images(model.encode(x)[0])
        z = torch.randn(n, model.config.latent_dim, generator=torch.Generator().manual_seed(0))
        prior = model.decode_images(z)
    return mosaic([np.asarray(v.reshape(-1, 28, 28)) for v in (x, recon, prior)])


def mosaic(rows_: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Rows of (n, 28, 28) images -> one image, tiles and rows apart by mid-grey gaps."""
    tiles = [[np.pad(im, ((0, gap), (0, gap)), constant_values=0.5) for im in row] for row in rows_]
    return np.vstack([np.hstack(row) for row in tiles])[:-gap, :-gap]
