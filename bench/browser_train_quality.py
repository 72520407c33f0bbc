"""Does a model trained in the browser learn as well as the server's trainer? The Train page's default run (MNIST,
Bernoulli decoder, beta 1, 5 epochs of batch 128 at learning rate 3e-3) for each seed, in both, side by side.

    python bench/browser_train_quality.py [--seeds 0 1 2] [--epochs 5]

For each seed: the browser's run in headless Chromium (the Train page's worker), its test -ELBO as the browser measured
it, and PyTorch's vae.trainer.evaluate of the weights the browser returned (the same fixed noise: the two must agree);
then vae.trainer.train on the server's side for the same seed. Both start from the same weights (PyTorch's
initialisation for the seed); their later random draws differ (vae/generator.js says why). Prints each run, each
side's mean and range over the seeds, and whether the two means lie within the seeds' spread.
"""
import argparse
import statistics
import sys
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.appserver import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402
from scripts.browser_trainer import train_in_browser  # noqa: E402
from vae.config import TrainConfig, VAEConfig  # noqa: E402
from vae.data import load_dataset  # noqa: E402
from vae.model import VAE  # noqa: E402
from vae.trainer import build_model, evaluate, train  # noqa: E402


def model_from(flat) -> VAE:
    model, at, state = VAE(VAEConfig()), 0, {}
    flat = torch.from_numpy(flat)
    for name, p in model.state_dict().items():
        state[name] = flat[at:at + p.numel()].reshape(p.shape)
        at += p.numel()
    model.load_state_dict(state)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=5, help="the Train page's default")
    args = p.parse_args()
    data = load_dataset()
    browser, server = [], []
    with app_server() as url, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for seed in args.seeds:
            cfg = TrainConfig(epochs=args.epochs, seed=seed)
            context = chromium.new_context()
            run = train_in_browser(context.new_page(), url, VAEConfig(), cfg)
            context.close()
            reported = run["epochs"][-1]["test_loss"]
            scored = evaluate(model_from(run["weights"]), data.x_test)["loss"]
            last = [m for m in train(build_model(VAEConfig(), seed), data, cfg) if m["kind"] == "epoch"][-1]
            browser.append(reported)
            server.append(last["test_loss"])
            print(f"seed {seed}: browser {reported:.3f} nats (PyTorch scores its weights {scored:.3f}, "
                  f"{abs(scored - reported) / reported:.1e} apart), {run['wall']:.0f} s | server "
                  f"{last['test_loss']:.3f} nats, {last['elapsed']:.0f} s", flush=True)
        chromium.close()
    spread = max(max(browser) - min(browser), max(server) - min(server))
    mb, ms = statistics.mean(browser), statistics.mean(server)
    print(f"test -ELBO after {args.epochs} epochs, {len(args.seeds)} seeds: browser {mb:.2f} ({min(browser):.2f} to "
          f"{max(browser):.2f}), server {ms:.2f} ({min(server):.2f} to {max(server):.2f}); the means differ by "
          f"{abs(mb - ms):.2f} nats, {'within' if abs(mb - ms) <= spread else 'beyond'} the seeds' spread of "
          f"{spread:.2f}")


if __name__ == "__main__":
    main()
