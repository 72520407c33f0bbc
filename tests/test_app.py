"""The app, driven headlessly by Streamlit's AppTest."""
import pytest
from streamlit.testing.v1 import AppTest

from vae.checkpoint import CHECKPOINT_DIR, list_checkpoints

SHIPPED = list_checkpoints(CHECKPOINT_DIR)


def test_app_runs_without_exception():
    at = AppTest.from_file("app.py", default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Latent map"


@pytest.mark.parametrize("name", SHIPPED)
def test_latent_map_shows_every_checkpoint(name):
    at = AppTest.from_file("pages/latent_map.py", default_timeout=60).run()
    at.selectbox(key="latent_map_checkpoint").select(name).run()
    assert not at.exception and not at.error
    chart = at.get("plotly_chart")[0]
    import json
    fig = json.loads(chart.proto.spec)
    assert [t["name"] for t in fig["data"]] == [str(d) for d in range(10)]
    assert sum(len(t["x"]) for t in fig["data"]) == 10000
