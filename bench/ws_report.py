"""What bench/classroom_ws.py prints: per action the round-trip percentiles, and the server's CPU and memory."""
import math

TARGETS = {  # students: {action: p95 ms}, from the lecture-hall issue
    100: {"load": 1500, "click": 150},
    30: {"load": 1000, "click": 60},
}
BURST = {"load": 3000, "click": 150}  # 100 students opening the link within 5 s (20 a second or faster)


def targets(n: int, rate: float) -> dict | None:
    return BURST if n >= 100 and rate >= 20 else TARGETS.get(n)


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, math.ceil(q / 100 * len(v)) - 1)]


def level_summary(n, args, students, samples) -> dict:
    actions = {}
    for s in students:
        for action, ms in s.runs:
            actions.setdefault(action, []).append(ms)
    first, last = samples[0], samples[-1]
    wall = last["t"] - first["t"]
    after5 = [x for x in samples if x["t"] >= 300]
    rate = n / args.within if getattr(args, "within", None) else args.rate
    loads = [load for s in students for load in s.loads]
    return {
        "students": n, "rate": rate,
        "bytes_per_load": {k: sum(x[k] for x in loads) / len(loads) for k in ("ws", "files", "requests")} if loads else {}, "seconds": args.seconds, "train": args.train, "mix": args.mix,
        "actions": {a: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)}
                    for a, v in sorted(actions.items())},
        "errors": [f"student {s.index} ({s.kind}): {e}" for s in students for e in s.errors],
        "loaded": sum(s.loaded for s in students),
        "client_cpu_share": getattr(args, "client_cpu_share", None),
        "server_cpu_share": round((last["cpu_s"] - first["cpu_s"]) / wall, 3) if wall > 0 else None,
        "rss_mb": {"start": first["rss_mb"], "max": max(x["rss_mb"] for x in samples), "end": last["rss_mb"]},
        "server_rss_mb": {"start": first["own_rss_mb"], "at_5_min": after5[0]["own_rss_mb"] if after5 else None,
                          "max": max(x["own_rss_mb"] for x in samples), "end": last["own_rss_mb"],
                          "growth_after_5_min": round(last["own_rss_mb"] - after5[0]["own_rss_mb"], 1)
                          if after5 else None},
        "rss_timeline": [(x["t"], x["rss_mb"], x["own_rss_mb"]) for x in samples],
        "replicas": {s.index: s.replicas for s in students},
        "sessions_crossing_replicas": [s.index for s in students if any(len(r) > 1 for r in s.replicas)],
        "reconnects": {s.index: s.reconnects for s in students if s.reconnects},
        "notices": {s.index: s.notices for s in students if s.notices},
        "trainings_restarted": sum(s.restarts for s in students),
        "targets": targets(n, rate),
    }


def _ms(v):
    return "-" if v is None else f"{v:,.0f}"


def table(levels) -> str:
    lines = ["| students | action | n | p50 ms | p95 ms | p99 ms | target p95 | errors | server CPU | server RSS MB start / max / end |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for lv in levels:
        rss, cpu = lv["server_rss_mb"], lv["server_cpu_share"]
        first = (f"{len(lv['errors'])}", "-" if cpu is None else f"{cpu:.0%} of a core",
                 f"{rss['start']:.0f} / {rss['max']:.0f} / {rss['end']:.0f}")
        for i, (action, a) in enumerate(lv["actions"].items()):
            target = (lv["targets"] or {}).get(action)
            mark = "" if target is None else f"{target:,} ({'met' if a['p95'] <= target else 'missed'})"
            errors, cpu_text, rss_text = first if i == 0 else ("", "", "")
            lines.append(f"| {lv['students']} on {'+'.join(lv['mix'])} ({lv['rate']:g}/s, training: {lv['train']}) | "
                         f"{action} | {a['n']:,} | "
                         f"{_ms(a['p50'])} | {_ms(a['p95'])} | {_ms(a['p99'])} | {mark} | {errors} | {cpu_text} | "
                         f"{rss_text} |")
        for e in lv["errors"][:5]:
            lines.append(f"|  | error: {e[:150]} |")
    return "\n".join(lines)


def cost_table(levels) -> str:
    """What a page load costs the server, measured one at a time before the level and in the level's burst."""
    lines = ["| page | server CPU per load, one at a time | websocket per load | over HTTP per load (requests) | "
             "burst: bytes per student's load (websocket + HTTP) | burst: servers' CPU until the last load, per student |",
             "|---|---|---|---|---|---|"]
    for lv in levels:
        burst, per = lv.get("burst") or {}, lv.get("bytes_per_load") or {}
        spent = (f"{burst['cpu_s']:.1f} s in {burst['seconds']:.1f} s, {1000 * burst['cpu_s'] / lv['students']:.0f} ms"
                 if "cpu_s" in burst else "-")
        carried = f"{per['ws'] / 1000:,.1f} + {per['files'] / 1000:,.1f} kB" if per else "-"
        for i, c in enumerate(lv.get("load_costs") or [{"page": "+".join(lv["mix"])}]):
            one = ((f"{c['cpu_ms']:.0f} ms", f"{c['ws_bytes'] / 1000:,.1f} kB",
                    f"{c['files_bytes'] / 1000:,.1f} kB ({c['requests']:g})") if "cpu_ms" in c else ("-", "-", "-"))
            lines.append(f"| {c['page']} | {' | '.join(one)} | {carried if i == 0 else ''} | {spent if i == 0 else ''} |")
    lines += [f"load average (1 min) of the machine at the start and the end of the {lv['students']} students on "
              f"{'+'.join(lv['mix'])}: {lv['load_average'][0]:.1f}, {lv['load_average'][-1]:.1f}"
              for lv in levels if lv.get("load_average")]
    return "\n".join(lines)
