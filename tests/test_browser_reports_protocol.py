"""Training reports sent at the protocol level, as any client can send them over the websocket: a good one is taken and
becomes the session's live model; wrong lengths, NaN, huge values, wrong settings, another session's run and a flood
are refused with a message and change nothing; one session's weights never reach another."""
import asyncio
import base64
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from scripts.protocol_client import Tab
from vae.config import TrainConfig, VAEConfig, to_dict
from vae.model import VAE

RELAY = "train_relay"


def unpack(data: bytes):
    """vae/serve/payload.py's bytes -> (header, the float32 arrays after it, back to back)."""
    n = int.from_bytes(data[:4], "little")
    return json.loads(data[4:4 + n]), np.frombuffer(data[4 + n:], dtype="<f4")


def encoded(flat: np.ndarray) -> str:
    return base64.b64encode(flat.astype("<f4").tobytes()).decode()


def report(run: dict, seq: int, flat: np.ndarray, **changes) -> dict:
    value = {"run": run["id"], "seq": seq, "kind": "update", "status": "running", "total_steps": 2345, "step": 469,
             "epoch": 1.0, "epochs": [{"epoch": 1, "step": 469, "elapsed": 9.0, "test_loss": 190.0, "test_recon": 187.0,
                                       "test_kl": 3.0}],
             "weights": encoded(flat), "spec": run["spec"], "label": run["label"]}
    value.update(changes)
    return value


def acked(tab) -> int:
    return tab.component_data(RELAY)["acked"]


def refusals(tab) -> list[str]:
    said = ("⚠️ A training report was refused", "⚠️ Too many training reports")
    return [t for t in tab.texts if t.startswith(said)]


async def scenario(url: str):
    mine, other = Tab(url, "train"), Tab(url, "train")
    try:
        await mine.open()
        await other.open()
        await mine.click("train_start", "start")  # trains in the browser: the server sends the run and its weights
        header, first = unpack(mine.component_data("train_browser_view"))
        run = header["run"]
        assert len(first) == 329868 and acked(mine) == -1

        trained = first + 0.01
        await mine.trigger(RELAY, "report", report(run, 1, trained), "report")
        assert acked(mine) == 1 and not refusals(mine)

        hostile = {
            "a float short": report(run, 2, trained[:-1]),
            "NaN": report(run, 3, np.where(np.arange(len(trained)) == 7, np.nan, trained)),
            "huge": report(run, 4, trained * 1e6),
            "another run": report({**run, "id": "f" * 32}, 5, trained),
            "wrong settings": report(run, 6, trained, kind="register",
                                     spec={"config": {**to_dict(VAEConfig()), "latent_dim": 0},
                                           "train_config": to_dict(TrainConfig())}),
            "not base64": report(run, 7, trained, weights="é" * 100),
        }
        for name, value in hostile.items():
            before = len(refusals(mine))
            await mine.trigger(RELAY, "report", value, name)
            assert acked(mine) == 1, name  # nothing taken
            assert len(refusals(mine)) > before, name  # and said so
        for i in range(20):  # a flood: the session's budget runs out, and the rest is refused unread
            await mine.trigger(RELAY, "report", report(run, 100 + i, trained), "flood")
        assert any("Too many training reports" in t for t in refusals(mine))

        # Another session sends a report about this run: refused, and it has no run of its own
        await other.trigger(RELAY, "report", report(run, 500, np.zeros_like(trained)), "intruder")
        assert other.component_data(RELAY)["run"] is None and refusals(other)

        # The session's live model is the weights its good report brought; the other session has no live model
        await mine.goto("explorer")
        header, decoder = unpack(mine.component_data("explorer_map"))
        assert header["name"] == "my training run (live)"
        await other.goto("explorer")
        assert unpack(other.component_data("explorer_map"))[0]["name"] != "my training run (live)"
        return decoder[:32], trained[offset("decoder.0.weight"):offset("decoder.0.weight") + 32]
    finally:
        await mine.close()
        await other.close()


def offset(name: str) -> int:
    """Where a tensor starts among the state_dict's tensors back to back."""
    at = 0
    for key, tensor in VAE(VAEConfig()).state_dict().items():
        if key == name:
            return at
        at += tensor.numel()
    raise KeyError(name)


def test_reports_at_the_protocol_level(app_url):
    with ThreadPoolExecutor(1) as pool:  # its own event loop: Playwright's sync API holds this thread's
        shown, sent = pool.submit(asyncio.run, scenario(app_url)).result()
    np.testing.assert_array_equal(shown, sent)  # the explorer decodes with exactly the weights the browser sent
