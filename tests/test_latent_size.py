"""The Latent size page under AppTest: the size ladder's numbers, the rate-distortion chart's points and its lines of
equal -ELBO, and a link that opens a checkpoint."""
import json

import pytest
from links import page

from vae.serve.checkpoint import CHECKPOINT_DIR, load_checkpoint
from vae.serve.gap_table import GAP_FILE, LADDER_FILE, read_table

SIZES = {"bce": 2, "bce-z4": 4, "bce-z8": 8, "bce-z16": 16, "bce-z32": 32}
BETAS = {"bce-b01": 0.1, "bce-b025": 0.25, "bce-b05": 0.5, "bce": 1, "bce-b2": 2, "bce-b4": 4, "bce-b8": 8,
         "bce-b16": 16}


@pytest.fixture(scope="module")
def at():
    return page("latent_size", checkpoint="bce-b8")


def load(name):
    return load_checkpoint(CHECKPOINT_DIR / f"{name}.safetensors")


def test_the_size_table_is_the_ladder_with_its_own_numbers(at):
    assert not at.exception and not at.error
    table = [d.value for d in at.dataframe if "latent size" in d.value.columns and "−ELBO" in d.value.columns][0]
    assert table["checkpoint"].tolist() == list(SIZES) and table["latent size"].tolist() == list(SIZES.values())
    for _, row in table.iterrows():
        m = load(row["checkpoint"]).metrics
        assert row["−ELBO"] == round(m["test_loss"], 2) and row["KL (rate)"] == round(m["test_kl"], 2)
    gaps = [d.value for d in at.dataframe if "−log p(x), IWAE from q*" in d.value.columns][0]
    assert gaps["checkpoint"].tolist() == list(SIZES)
    stored = read_table(LADDER_FILE)
    for _, row in gaps.iterrows():
        m, se = stored[row["checkpoint"]]["mean"], stored[row["checkpoint"]]["se"]
        assert row["−log p(x), IWAE from q*"] == f"{-m['iwae_star']:.2f} ± {se['iwae_star']:.2f}"
        assert row["−ELBO, 2,000 draws"] == f"{-m['elbo_encoder']:.2f} ± {se['elbo_encoder']:.2f}"
        assert float(row["gap"].split(" ± ")[0]) >= 0
    bce = gaps.set_index("checkpoint").loc["bce"]
    n = int(bce["digits"])
    assert bce["−log p(x), exact"] == round(-sum(read_table(GAP_FILE)["bce"]["per_image"]["log_px"][:n]) / n, 2)


def test_the_chart_puts_each_checkpoint_at_its_rate_and_distortion(at):
    [fig] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "latent_size_rd" in c.proto.id]
    ladders = {t["name"]: t for t in fig["data"] if t.get("customdata")}
    for t in ladders.values():  # a scratch save of a test running on the other worker is no shipped checkpoint
        keep = [k for k, n in enumerate(t["customdata"]) if not n.startswith("test-")]
        t.update({key: [t[key][k] for k in keep] for key in ("customdata", "x", "y")})
    assert set(ladders) == {"β ladder (2-D)", "latent size ladder (β = 1)"}
    assert ladders["β ladder (2-D)"]["customdata"] == list(BETAS)
    assert ladders["latent size ladder (β = 1)"]["customdata"] == list(SIZES)
    for trace in ladders.values():
        for name, rate, distortion in zip(trace["customdata"], trace["x"], trace["y"]):
            m = load(name).metrics
            assert (rate, distortion) == (m["test_kl"], m["test_recon"])
    lines = [t for t in fig["data"] if t["mode"] == "lines"]
    assert len(lines) >= 3
    for line in lines:  # each dotted line keeps D + R, the -ELBO, the same from end to end
        assert line["x"][0] + line["y"][0] == pytest.approx(line["x"][1] + line["y"][1])
    rates = [load(n).metrics["test_kl"] for n in BETAS]
    assert rates == sorted(rates, reverse=True) and rates[-1] < 1 < 8 < rates[0]  # from near 0 to unregularised


def test_a_link_opens_its_checkpoint_beside_the_chart(at):
    assert at.selectbox(key="latent_size_open").value == "bce-b8" and at.query_params["checkpoint"] == "bce-b8"
    links = {e.proto.page: e.proto.query_string for e in at.get("page_link")}
    assert links == {page: "checkpoint=bce-b8" for page in ("latent_map", "explorer", "elbo_lab")}
    at.selectbox(key="latent_size_open").select("bce-z16").run()
    assert at.query_params["checkpoint"] == "bce-z16"
