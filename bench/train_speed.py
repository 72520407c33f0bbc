"""The project's trainer against an idiomatic PyTorch loop, on the same model, data and machine, in one run.

    python bench/train_speed.py --seeds 0 1 2 --budget 180

For each seed, both loops train the model of record (Bernoulli decoder, summed BCE + KL on the raw [0, 1]
pixels, as pytorch/examples computes it) and are scored on the full test set after every epoch. Reported:
training throughput (samples/s, evaluation excluded) and the training wall time at which the test loss first
reaches --target (150 nats). The baseline is what a tutorial writes: TensorDataset + DataLoader(shuffle=True),
batch 128, Adam(lr=1e-3) with default (for-each) kernels, constant learning rate.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vae.config import TrainConfig, VAEConfig  # noqa: E402
from vae.data import load_dataset  # noqa: E402
from vae.losses import elbo_terms  # noqa: E402
from vae.trainer import build_model, evaluate, train  # noqa: E402


def project_loop(data, seed, budget, target):
    """Yields (training seconds, test loss) after each epoch of vae.trainer.train with its defaults."""
    cfg = TrainConfig(seed=seed)
    model = build_model(VAEConfig(), seed)
    for m in train(model, data, cfg):
        if m["kind"] == "epoch":
            yield m
            if m["elapsed"] > budget or m["test_loss"] <= target:
                return


def baseline_loop(data, seed, budget, target):
    torch.manual_seed(seed)
    model = build_model(VAEConfig(), seed)
    loader = DataLoader(TensorDataset(data.x_train), batch_size=128, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seen, train_time, epoch = 0, 0.0, 0
    while train_time <= budget:
        t0 = time.perf_counter()
        model.train()
        for (xb,) in loader:
            loss = elbo_terms(xb, model(xb), model.config)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += len(xb)
        train_time += time.perf_counter() - t0
        epoch += 1
        test = evaluate(model, data.x_test)
        yield {"epoch": epoch, "elapsed": train_time, "samples_per_s": seen / train_time, "test_loss": test["loss"]}
        if test["loss"] <= target:
            return


def measure(loop, data, seed, budget, target):
    reached, last = None, None
    for m in loop(data, seed, budget, target):
        last = m
        if reached is None and m["test_loss"] <= target:
            reached = m["elapsed"]
    return {"samples_per_s": last["samples_per_s"], "time_to_target": reached, "epochs": last["epoch"],
            "final_loss": last["test_loss"]}


def fmt_time(t):
    return "not reached" if t is None else f"{t:6.1f} s"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--budget", type=float, default=180.0, help="training seconds per run before giving up")
    p.add_argument("--target", type=float, default=150.0)
    args = p.parse_args()
    data = load_dataset()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; target test loss {args.target}")
    rows = {"project": [], "baseline": []}
    for seed in args.seeds:
        for name, loop in (("project", project_loop), ("baseline", baseline_loop)):
            r = measure(loop, data, seed, args.budget, args.target)
            rows[name].append(r)
            print(f"seed {seed} {name:8s}: {r['samples_per_s']:8.0f} samples/s, reached {args.target:g} at "
                  f"{fmt_time(r['time_to_target'])} (epoch {r['epochs']}, test loss {r['final_loss']:.2f})",
                  flush=True)
    print()
    for name, rs in rows.items():
        times = [r["time_to_target"] if r["time_to_target"] is not None else float("inf") for r in rs]
        sps = statistics.median(r["samples_per_s"] for r in rs)
        print(f"{name:8s}: median {sps:8.0f} samples/s, median time to {args.target:g}: "
              f"{fmt_time(statistics.median(times) if statistics.median(times) != float('inf') else None)}")
    sps_ratio = statistics.median(r["samples_per_s"] for r in rows["project"]) / statistics.median(
        r["samples_per_s"] for r in rows["baseline"])
    print(f"throughput ratio project / baseline: {sps_ratio:.2f}x")
    t_p = statistics.median(r["time_to_target"] or float("inf") for r in rows["project"])
    t_b = statistics.median(r["time_to_target"] or float("inf") for r in rows["baseline"])
    print(f"time-to-{args.target:g} ratio baseline / project: {t_b / t_p:.2f}x")


if __name__ == "__main__":
    main()
