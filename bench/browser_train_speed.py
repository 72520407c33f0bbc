"""Training in the browser (TensorFlow.js on WebAssembly, in headless Chromium) against PyTorch on one thread, in one
run on this machine, side by side.

    python bench/browser_train_speed.py [--epochs 2] [--repeats 3] [--batch 128]

Runs alternate: the Train page's worker (vae/serve/train_worker.js) trains the model of record in Chromium, then
vae.trainer.train trains it in a child process with torch.set_num_threads(1), the same settings each time. Each figure
is the trainer's own samples/s over its last epoch's end: the test-set evaluation is left out of both; the browser's
latent maps and its saves to IndexedDB (four an epoch) are left in, as the Train page runs them. Prints every run,
the medians and their ratio. With --profile, also where a browser's training step spends its time: TensorFlow.js's
own profiler times each kernel of 100 steps run on the page's thread, the matrix products apart.
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, ROOT, app_server  # noqa: E402
from scripts.browser_trainer import files_for, train_in_browser  # noqa: E402
from vae.serve.browser_files import publish_code  # noqa: E402
from vae.config import TrainConfig, VAEConfig  # noqa: E402

PROFILE = """async ([urls, files]) => {
  const whole = (u) => new URL(u, location.origin + "/").href;
  await import(whole(urls.tfjs) + "tf.min.js");
  await import(whole(urls.tfjs) + "tf-backend-wasm.min.js");
  tf.wasm.setWasmPaths(whole(urls.tfjs));
  await tf.setBackend("wasm");
  const code = whole(urls.code), M = await import(code + "vae/model.js"), T = await import(code + "vae/trainer.js");
  const D = await import(code + "vae/data.js");
  for (const f of Object.values(files)) f.url = whole(f.url);
  const data = await D.load_dataset(files);
  const config = {latent_dim: 2, encoder_hidden: [196, 48], head_hidden: 16, decoder_hidden: [16, 48, 196],
                  likelihood: "bce", sigma: 0.1, beta: 1, variational: true, logvar_min: -12, logvar_max: 8};
  const cfg = {epochs: 1, batch_size: 128, lr: 3e-3, warmup_epochs: 1, final_lr_frac: 0.02, kl_warmup_epochs: 0,
               free_bits: 1, explode_factor: 10, mc_samples: 1, binarize: false, seed: 0, eval_batch_size: 2000};
  const weights = {};
  for (const l of M.state_dict_layers(config)) {
    weights[l.name + ".weight"] = Float32Array.from({length: l.n_in * l.n_out}, () => (Math.random() - 0.5) * 0.1);
    weights[l.name + ".bias"] = new Float32Array(l.n_out);
  }
  const model = new M.VAE(config, weights), optimizer = new T.Adam(model.parameters(), cfg.lr);
  const steps = T.train(model, data, cfg, T.fresh_state(cfg), optimizer, () => false);
  for (let i = 0; i < 20; i++) await steps.next();
  const n = 100, t0 = performance.now();
  for (let i = 0; i < n; i++) await steps.next();
  const wall = (performance.now() - t0) / n;
  const t1 = performance.now();
  const info = await tf.profile(async () => { for (let i = 0; i < n; i++) await steps.next(); });
  const profiled = (performance.now() - t1) / n;
  let products = 0, kernels = 0;
  for (const k of info.kernels) {
    if (k.name === "forward") continue;  // tf.customGrad's wrapper: its kernels are counted on their own
    const ms = await k.kernelTimeMs;
    kernels += ms;
    if (k.name === "BatchMatMul" || k.name === "_FusedMatMul") products += ms;
  }
  return { wall, profiled, products: products / n, kernels: kernels / n };
}"""

PYTORCH = """
import json, sys, torch
torch.set_num_threads(1)
from vae.config import TrainConfig, VAEConfig
from vae.data import load_dataset
from vae.trainer import build_model, train
cfg = TrainConfig(**json.loads(sys.argv[1]))
last = None
for m in train(build_model(VAEConfig(), cfg.seed), load_dataset(), cfg):
    if m["kind"] == "epoch":
        last = m
print(json.dumps({"samples_per_s": last["samples_per_s"], "test_loss": last["test_loss"]}))
"""


def pytorch_run(cfg: TrainConfig) -> dict:
    out = subprocess.run([sys.executable, "-c", PYTORCH, json.dumps(vars(cfg))], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--profile", action="store_true", help="also time the parts of one browser training step")
    args = p.parse_args()
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch)
    browser_speeds, torch_speeds = [], []
    with app_server() as url, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(args.repeats):
            context = chromium.new_context()
            run = train_in_browser(context.new_page(), url, VAEConfig(), cfg)
            context.close()
            if run["end"]["kind"] != "done":
                sys.exit(f"the browser's run ended: {run['end']}")
            b = run["epochs"][-1]["samples_per_s"]
            t = pytorch_run(cfg)["samples_per_s"]
            browser_speeds.append(b)
            torch_speeds.append(t)
            print(f"run {i + 1}: browser ({run['backend']}) {b:8,.0f} samples/s, test loss "
                  f"{run['epochs'][-1]['test_loss']:.2f} | PyTorch, 1 thread {t:8,.0f} samples/s | ratio {b / t:.3f}",
                  flush=True)
        if args.profile:
            context = chromium.new_context()
            page = context.new_page()
            page.goto(f"{url}/_stcore/health")
            split = page.evaluate(PROFILE, [publish_code(), files_for(VAEConfig(), cfg)])
            context.close()
            share = {k: split[k] / split["profiled"] for k in ("products", "kernels")}
            print(f"one step at batch {args.batch} on the page's thread: {split['wall']:.1f} ms "
                  f"({split['profiled']:.1f} ms while profiled), of which matrix products {share['products']:.0%}, other TensorFlow.js kernels "
                  f"{share['kernels'] - share['products']:.0%}, the rest (Adam's update, autodiff's bookkeeping, the "
                  f"batch) {1 - share['kernels']:.0%}")
        chromium.close()
    b, t = statistics.median(browser_speeds), statistics.median(torch_speeds)
    print(f"median: browser {b:,.0f} samples/s, PyTorch 1 thread {t:,.0f} samples/s; browser / PyTorch = {b / t:.2f}"
          f" (batch {args.batch}, {args.epochs} epochs a run, {args.repeats} runs each)")


if __name__ == "__main__":
    main()
