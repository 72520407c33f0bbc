"""The browser's training worker (vae/serve/train_worker.js) driven from Python in headless Chromium, with the message
the Train page's controller sends it: for the tests and benchmarks that need a whole run in the browser, its
per-epoch numbers, its speed and the weights it ends with."""
import base64
import time

import numpy as np

from vae.config import TrainConfig, VAEConfig, to_dict
from vae.data import EXPECTED
from vae.serve.browser_files import (publish_binarized, publish_code, publish_dataset, publish_eval_noise)
from vae.trainer import build_model

START = """async ([urls, files, run, text]) => {
  const whole = (u) => new URL(u, location.origin + "/").href;
  const weights = new Float32Array(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer);
  for (const f of Object.values(files)) f.url = whole(f.url);
  window.trained = { epochs: [], steps: 0, speed: 0, end: null, weights: null, backend: null };
  const worker = new Worker(whole(urls.code) + "vae/serve/train_worker.js", { type: "module" });
  worker.onmessage = ({ data: m }) => {
    const t = window.trained;
    if (m.type === "status" && m.backend) t.backend = m.backend;
    else if (m.type === "steps") { t.steps = m.rows.step.at(-1); t.speed = m.rows.samples_per_s.at(-1); }
    else if (m.type === "epoch") t.epochs.push(m.metrics);
    else if (m.type === "weights") {
      t.weights = Array.from(m.weights);
      if (m.end) t.end = m.end;
    }
    else if (m.type === "error") t.end = { kind: "error", reason: m.message };
  };
  worker.onerror = (e) => { window.trained.end = { kind: "error", reason: e.message || "the worker did not start" }; };
  worker.postMessage({ type: "start", run, weights, files, tfjs: whole(urls.tfjs) });
}"""


def files_for(config: VAEConfig, cfg: TrainConfig) -> dict:
    files = {**publish_dataset(cfg.dataset),
             "eval_noise": publish_eval_noise(EXPECTED["x_test"][0], config.latent_dim, cfg.eval_batch_size)}
    if cfg.binarize:
        files["binarized"] = publish_binarized(cfg.dataset)
    return files


def train_in_browser(page, base: str, config: VAEConfig, cfg: TrainConfig, timeout: float = 1800) -> dict:
    """A whole run in `page` (any page of the app at `base`, whose origin serves the published files), from the
    weights PyTorch initialises for cfg.seed, as the Train page starts one. Returns {"epochs": [per-epoch metrics],
    "weights": the final state_dict's tensors back to back, "speed": samples/s, "end", "backend", "wall": seconds}."""
    weights = np.concatenate([v.numpy().ravel() for v in build_model(config, cfg.seed).state_dict().values()])
    run = {"id": "0" * 32, "spec": {"config": to_dict(config), "train_config": to_dict(cfg)}, "label": "benchmark"}
    page.goto(f"{base}/_stcore/health")
    started = time.perf_counter()
    page.evaluate(START, [publish_code(), files_for(config, cfg), run,
                          base64.b64encode(weights.astype("<f4").tobytes()).decode()])
    while not page.evaluate("window.trained.end"):
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"the browser's run did not end within {timeout} s")
        page.wait_for_timeout(500)
    result = page.evaluate("window.trained")
    result["wall"] = time.perf_counter() - started
    result["weights"] = np.asarray(result["weights"], dtype=np.float32)
    return result
