"""The students of bench/classroom_ws.py: each a protocol-level tab (scripts/protocol_client.Tab) on one page, doing
that page's action with a pause before each, as a class does; and what they measured.

  explorer  click: a rerun carrying the map component's {"z": [z1, z2]}, at a random point of the plane
  lesson    next: the lesson's Next button, back to the first step with Previous after the last
  elbo_lab  new digit: the "Random digit" button (every section recomputed for another test digit)
  train     poll: the Train page's timed reruns while this tab's own training runs (one such tab at most)
  latent_size, class_board  nothing: the student reads the page (a class opens them by link too)
  browser   a student training in their own browser: Start on the Train page (the server sends the run and its first
            weights), then on the explorer with their live model, clicking; every --epoch seconds the report a
            browser sends at an epoch's end (ui/assets/train_controller.js), new weights included
"""
import asyncio
import base64
import json
import random
import time
from dataclasses import dataclass, field

import numpy as np

from streamlit.proto.Common_pb2 import StringArray

from scripts.protocol_client import Tab, TabError
from scripts.protocol_files import count_http, fetch_files

ACTION = {"explorer": "click", "lesson": "next", "elbo_lab": "new digit", "train": "poll", "browser": "click"}
PAGE = {"explorer": "explorer", "lesson": "", "elbo_lab": "elbo_lab", "train": "train", "browser": "train",
        "latent_size": "latent_size", "class_board": "class_board"}
LESSON_STEPS = 6


@dataclass
class Student:
    index: int
    kind: str
    arrive: float  # seconds after the start
    runs: list = field(default_factory=list)  # (action, ms)
    errors: list = field(default_factory=list)
    loaded: bool = False
    replicas: list = field(default_factory=list)  # the replicas that answered, one list per connection
    reconnects: int = 0
    notices: list = field(default_factory=list)
    restarts: int = 0
    loads: list = field(default_factory=list)  # per page load: {"ws": bytes of its run, "files": bytes, "requests"}


async def act(tab: Tab, s: Student, rng: random.Random, step: int):
    if s.kind in ("explorer", "browser"):
        z = [round(rng.uniform(-3, 3), 4), round(rng.uniform(-3, 3), 4)]
        return await tab.set_json("explorer_map", {"z": z}, "click")
    if s.kind == "lesson":
        forward = (step // (LESSON_STEPS - 1)) % 2 == 0
        return await tab.click("start_here_next" if forward else "start_here_prev", "next")
    if s.kind == "elbo_lab":
        return await tab.click("elbo_lab_random", "new digit")
    raise ValueError(s.kind)


class BrowserTraining:
    """What a student's browser sends the server while it trains (the relay's reports), without training: the run the
    server started for this tab, and its weights moved a little at each epoch's end."""

    def __init__(self, tab: Tab, epoch_s: float, rng: random.Random):
        data = tab.component_data("train_browser_view")
        n = int.from_bytes(data[:4], "little")
        self.run, self.weights = json.loads(data[4:4 + n])["run"], np.frombuffer(data[4 + n:], dtype="<f4").copy()
        self.epoch_s, self.rng, self.seq, self.epochs = epoch_s, rng, 0, []
        self.due = time.perf_counter() + epoch_s

    async def report_if_due(self, tab: Tab):
        if time.perf_counter() < self.due:
            return None
        self.due += self.epoch_s
        self.seq += 1
        self.weights += np.float32(0.001) * np.float32(self.rng.gauss(0, 1))
        self.epochs.append({"epoch": self.seq, "step": 469 * self.seq, "elapsed": self.epoch_s * self.seq,
                            "test_loss": 150.0, "test_recon": 144.0, "test_kl": 6.0})
        cfg = self.run["spec"]["train_config"]
        report = {"run": self.run["id"], "seq": self.seq, "kind": "update", "status": "running",
                  "total_steps": 469 * cfg["epochs"], "step": 469 * min(self.seq, cfg["epochs"]),
                  "epoch": float(min(self.seq, cfg["epochs"])), "epochs": self.epochs[-cfg["epochs"]:],
                  "weights": base64.b64encode(self.weights.tobytes()).decode(), "spec": self.run["spec"],
                  "label": self.run["label"]}
        return await tab.trigger("train_relay", "report", report, "report")


async def attend(url: str, s: Student, rng: random.Random, t0: float, until: float, think, reconnect=False,
                 epoch_s: float = 12.0):
    """One student's session: arrive, load the page, act with pauses until `until` (perf_counter)."""
    await asyncio.sleep(max(0.0, t0 + s.arrive - time.perf_counter()))
    tab = Tab(url, PAGE[s.kind])
    counted = count_http(tab)
    training = None
    try:
        run = await tab.open()
        s.runs.append(("load", run.ms))
        await fetch_files(tab)  # what the browser fetches beside the websocket: the relay's code, images
        s.loads.append({"ws": run.bytes, "files": counted["bytes"], "requests": counted["requests"]})
        if s.kind == "browser":  # Start trains in this browser; then the explorer, on the live model
            s.runs.append(("start", (await tab.click("train_start", "start")).ms))
            training = BrowserTraining(tab, epoch_s, rng)
            s.runs.append(("load", (await tab.goto("explorer")).ms))
        s.loaded = True
        step = 0
        while time.perf_counter() < until and s.kind not in ACTION:  # a page only read
            await asyncio.sleep(min(1.0, until - time.perf_counter()))
        while time.perf_counter() < until:
            await asyncio.sleep(rng.uniform(*think))
            if time.perf_counter() >= until:
                break
            try:
                run = training and await training.report_if_due(tab) or await act(tab, s, rng, step)
            except TabError as exc:
                if not (reconnect and tab.closed):
                    raise
                s.errors.append(f"dropped: {exc}")
                tab = await rejoin(url, s, tab)
                continue
            s.runs.append((run.action, run.ms))
            step += 1
    except (TabError, OSError) as exc:
        s.errors.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - a crash of one student is reported, not the end of the run
        s.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        s.replicas = [*tab.moves, sorted(tab.replicas)]
        await tab.close()


async def rejoin(url: str, s: Student, tab: Tab) -> Tab:
    """The frontend's reconnect (behind the proxy, to a live replica, with a fresh session); its notice, if any."""
    seen = len(tab.texts)
    run = await tab.reconnect()
    s.runs.append(("reload", run.ms))
    s.reconnects += 1
    s.notices += [t for t in tab.texts[seen:] if "moved to another server" in t]
    return tab


async def watch_training(url: str, s: Student, t0: float, until: float):
    """The Train page tab: start a training, then only its timed reruns until `until`; stop it at the end."""
    await asyncio.sleep(max(0.0, t0 + s.arrive - time.perf_counter()))
    tab = Tab(url, "train")
    try:
        s.runs.append(("load", (await tab.open()).ms))
        await tab.set_value("train_where", "settings", string_array_value=StringArray(data=["On the server"]))
        await tab.set_value("train_epochs", "settings", int_value=100)  # the most the page allows: ~7 min alone
        await tab.click("train_start", "start")
        s.loaded = True
        while time.perf_counter() < until and not tab.closed:
            await asyncio.sleep(0.5)
            if not tab.disabled.get(tab.widget_id("train_start"), True):  # it finished: train again, throughout
                await tab.click("train_start", "start")
                s.restarts += 1
        s.runs += [("poll", r.ms) for r in tab.runs if r.action == "poll"]
        await tab.click("train_stop", "stop")
    except (TabError, OSError) as exc:
        s.errors.append(str(exc))
    finally:
        s.replicas = [*tab.moves, sorted(tab.replicas)]
        await tab.close()
