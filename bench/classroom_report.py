"""What the classroom load benchmark (bench/classroom_load.py) makes of one level's measurements: a summary
with percentiles, memory growth, CPU per part and training throughput, and the table it prints."""
from collections import Counter

import numpy as np

from bench.classroom_student import WAIT_MS

SAMPLE_EVERY = 10.0  # seconds between two readings of the server's memory and CPU
N_TRAIN = 60_000  # the Train page trains on all of MNIST's training set, so samples = epoch * 60,000
TARGET_MS = 400


def pct(values, q):
    values = [v for v in values if v is not None]
    return round(float(np.percentile(values, q)), 1) if values else None


def rate(a, b):
    """Training samples per second between two readings of the Train page."""
    return round((b["epoch"] - a["epoch"]) * N_TRAIN / (b["t"] - a["t"])) if a and b and b["t"] > a["t"] else None


def summarise(n, students, samples, baseline):
    clicks = [c for s in students for c in s.clicks]
    drags = [d for s in students for d in s.drags]
    errors = sum((s.errors for s in students), Counter())
    errors["exception_boxes"] = sum(s.exceptions for s in students)
    samples = sorted(samples, key=lambda s: s["t"])  # two samplers append, each after reading the page
    first, last = samples[0], samples[-1]
    mid = min(samples, key=lambda s: abs(s["t"] - last["t"] / 2))
    grew = (mid["rss_mb"] - first["rss_mb"], last["rss_mb"] - mid["rss_mb"])
    span = last["t"] - first["t"]
    full = next((s for s in samples if s.get("all_arrived")), None)
    # a click whose rerun never showed (a timeout, also counted as an error) enters as WAIT_MS: a lower bound
    server_ms = [WAIT_MS if c[1] is None else c[1] for c in clicks]
    return {
        "sessions": n, "loaded": sum(s.load_s is not None for s in students),
        "page_load_s": {"p50": pct([s.load_s for s in students], 50), "p95": pct([s.load_s for s in students], 95)},
        "clicks": len(clicks), "drags": len(drags),
        "click_decode_ms": {"p50": pct([c[0] for c in clicks], 50), "p95": pct([c[0] for c in clicks], 95)},
        "click_server_ms": {"p50": pct(server_ms, 50), "p95": pct(server_ms, 95)},
        "server_p95_within_target": (pct(server_ms, 95) or 1e9) <= TARGET_MS,
        "drag_frames_per_s": {"p50": pct([d[0] for d in drags], 50), "p5": pct([d[0] for d in drags], 5)},
        "drag_release_server_ms": {"p50": pct([WAIT_MS if d[1] is None else d[1] for d in drags], 50),
                                   "p95": pct([WAIT_MS if d[1] is None else d[1] for d in drags], 95)},
        "errors": {"total": sum(errors.values()), **errors},
        "error_examples": [e for s in students for e in s.examples][:20],
        "memory_mb": {"start": round(first["rss_mb"]), "end": round(last["rss_mb"]),
                      "first_half_growth": round(grew[0], 1), "second_half_growth": round(grew[1], 1),
                      # levelled off: the second half added under a quarter of the first half's growth, or < 10 MB
                      "levels_off": grew[1] <= max(0.25 * grew[0], 10.0),
                      "start_pss": round(first["pss_mb"]), "end_pss": round(last["pss_mb"])},
        "cpu_cores": {"server": round((last["server_cpu_s"] - first["server_cpu_s"]) / span, 2),
                      "training": round((last["cpu_s"] - last["server_cpu_s"] - first["cpu_s"]
                                         + first["server_cpu_s"]) / span, 2),
                      "browser": round((last["browser_cpu_s"] - first["browser_cpu_s"]) / span, 2)},
        "training_samples_per_s": {"alone": baseline, "under_load": rate(first["train"], last["train"]),
                                   "all_sessions_on": rate(full and full["train"], last["train"]),
                                   "page_figure_at_end": (last["train"] or {}).get("samples_per_s"),
                                   # all 100 epochs done before the load ended: the rates above mean less
                                   "finished_early": bool(last["train"]) and last["train"]["epoch"] >= 100},
        "samples": samples,
    }


def table(levels):
    head = (f"{'sessions':>8} {'load s p50/p95':>15} {'(a) decode ms':>14} {'(b) server ms':>14} {'b95<=400':>8} "
            f"{'clicks':>6} {'drag fps':>8} {'errors':>6} {'RSS MB start>end':>17} {'levels off':>10} "
            f"{'train/s alone>load':>19} {'cores srv/train/browser':>23}")
    rows = [head]
    for lv in levels:
        g, m, c, t = lv["page_load_s"], lv["memory_mb"], lv["cpu_cores"], lv["training_samples_per_s"]
        a, b = lv["click_decode_ms"], lv["click_server_ms"]
        rows.append(f"{lv['sessions']:>8} {fmt(g['p50'])+'/'+fmt(g['p95']):>15} {fmt(a['p50'])+'/'+fmt(a['p95']):>14} "
                    f"{fmt(b['p50'])+'/'+fmt(b['p95']):>14} {'yes' if lv['server_p95_within_target'] else 'NO':>8} "
                    f"{lv['clicks']:>6} {fmt(lv['drag_frames_per_s']['p50']):>8} "
                    f"{lv['errors']['total'] + lv['server_log_tracebacks']:>6} "
                    f"{str(m['start'])+'>'+str(m['end']):>17} {'yes' if m['levels_off'] else 'no':>10} "
                    f"{fmt(t['alone'])+'>'+fmt(t['under_load']):>19} "
                    f"{c['server']:>9.2f}/{c['training']:.2f}/{c['browser']:.2f}")
    for lv in levels:
        rows.append(f"{lv['sessions']} sessions, server RSS MB every ~{SAMPLE_EVERY:.0f} s: "
                    + " ".join(f"{s['rss_mb']:.0f}" for s in lv["samples"])
                    + f" (growth first half {lv['memory_mb']['first_half_growth']}, second half "
                      f"{lv['memory_mb']['second_half_growth']})")
        errors = {k: v for k, v in {**lv["errors"], "server_log_tracebacks": lv["server_log_tracebacks"]}.items()
                  if k != "total" and v}
        if errors:
            rows.append(f"{lv['sessions']} sessions, errors: {errors}; e.g. " + " | ".join(lv["error_examples"][:3]))
    return "\n".join(rows)


def fmt(x):
    return "-" if x is None else f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 1 else f"{x:.2f}"
