"""Markdown tables from checkpoints/gap.json and checkpoints/ladder_gap.json, for the README.

    python scripts/gap_report.py

1. The gap split per 2-D checkpoint (mean ± standard error over its digits). 2. The size ladder's estimates. 3. For
the 2-D checkpoints in both files: how far each estimator of the ELBO and of log p(x) is from the exact value by
quadrature on the same digits (mean error, and the largest one in absolute value).
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vae.serve.gap_table import GAP_FILE, LADDER_FILE, read_table  # noqa: E402


def split_table(table: dict) -> str:
    lines = ["| checkpoint | digits | log p(x) | gap | amortization | amortization, median | approximation | "
             "of which diagonal | of which Gaussian | encoder's share |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in table.items():
        m, se = e["mean"], e["se"]
        total = m["amortization"] + m["approximation"]
        lines.append(f"| `{name}` | {e['images']} | {m['log_px']:.2f} | {total:.3f} | {m['amortization']:.3f} ± "
                     f"{se['amortization']:.3f} | {np.median(e['per_image']['amortization']):.3f} | "
                     f"{m['approximation']:.3f} ± {se['approximation']:.3f} | "
                     f"{m['diagonal']:.3f} | {m['gaussian']:.3f} | {m['amortization'] / total:.0%} |")
    return "\n".join(lines)


def ladder_table(ladder: dict) -> str:
    lines = ["| checkpoint | latent size | −ELBO, 2,000 draws | −ELBO, one draw | −log p(x), IWAE from q* | "
             "−log p(x), IWAE from q(z\\|x) | gap | of which amortization |", "|---|---|---|---|---|---|---|---|"]
    for name, e in sorted(ladder.items(), key=lambda kv: (kv[1]["latent_dim"], kv[0])):
        m, se = e["mean"], e["se"]
        lines.append(f"| `{name}` | {e['latent_dim']} | {-m['elbo_encoder']:.2f} ± {se['elbo_encoder']:.2f} | "
                     f"{-m['elbo_one_draw']:.2f} | {-m['iwae_star']:.2f} ± {se['iwae_star']:.2f} | "
                     f"{-m['iwae_encoder']:.2f} ± {se['iwae_encoder']:.2f} | {m['iwae_star'] - m['elbo_encoder']:.2f} | "
                     f"{m['elbo_star'] - m['elbo_encoder']:.2f} |")
    return "\n".join(lines)


def estimator_table(table: dict, ladder: dict) -> str:
    lines = ["| checkpoint | digits | estimator | of | mean error, nats | largest error, nats |", "|---|---|---|---|---|---|"]
    for name in [n for n in ladder if n in table]:
        n = min(ladder[name]["images"], table[name]["images"])
        exact, est = table[name]["per_image"], ladder[name]["per_image"]
        rows = (("ELBO, one draw", "elbo_one_draw elbo", "elbo_encoder"),
                ("ELBO, 2,000 draws", "elbo_encoder elbo", "elbo_encoder"),
                ("ELBO of q*, 2,000 draws (q* by SGD)", "elbo_star elbo", "elbo_diag"),
                ("IWAE K = 5,000 from q(z|x)", "iwae_encoder log_px", "log_px"),
                ("IWAE K = 5,000 from 0.8 q* widened + 0.1 q(z|x) + 0.1 prior", "iwae_star log_px", "log_px"))
        for label, key, ref in rows:
            err = np.array(est[key][:n]) - np.array(exact[ref][:n])
            what = {"elbo_encoder": "ELBO(q(z|x))", "elbo_diag": "ELBO(q*_diag)", "log_px": "log p(x)"}[ref]
            lines.append(f"| `{name}` | {n} | {label} | {what} | {err.mean():+.3f} | {err[np.abs(err).argmax()]:+.3f} |")
    return "\n".join(lines)


def main():
    table, ladder = read_table(GAP_FILE), read_table(LADDER_FILE)
    print(split_table(table), ladder_table(ladder), estimator_table(table, ladder), sep="\n\n")


if __name__ == "__main__":
    main()
