"""Privacy section at the size users bring: 12,000 real records (+ holdout), 500,000 synthetic, ~20 columns.

Claim (issue 2): the full privacy section in under 60 s on a 2-core machine with peak memory
under 4 GB. Since issue 11 the section also holds anonymeter's singling-out, linkability and
inference risks (on at most 50,000 synthetic rows) and, for the declared quasi-identifiers
(age, sex, cat_0), k-anonymity, l-diversity and identifiability. Prints a table, writes benchmarks/results/privacy.json.
    .venv/bin/python benchmarks/bench_privacy.py [--quick] [--repeats 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pharmasynth.evaluation import align_tables, privacy_metrics
from results_file import write_results


def make_table(n: int, rng) -> pd.DataFrame:
    """20 mixed columns with correlations, categories and missing values (a patient-like table)."""
    z = rng.normal(size=(n, 4))
    cols = {f"lab_{i}": z[:, i % 4] * (1 + i / 10) + rng.normal(scale=0.5, size=n) for i in range(10)}
    cols["age"] = np.clip(50 + 12 * z[:, 0], 18, 90).round()
    cols["weight"] = 75 + 10 * z[:, 1]
    for i, k in enumerate([2, 3, 4, 5, 8, 12]):
        cols[f"cat_{i}"] = (np.floor((z[:, i % 4] + 3) * k / 6).clip(0, k - 1)).astype(int).astype(str)
    cols["sex"] = np.where(rng.random(n) < 0.5, "F", "M")
    cols["smoker"] = rng.random(n) < 0.2
    df = pd.DataFrame(cols)
    df.loc[rng.random(n) < 0.05, "lab_3"] = np.nan
    return df


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 real / 50,000 synthetic")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    n_real, n_syn = (2_000, 50_000) if args.quick else (12_000, 500_000)
    rng = np.random.default_rng(0)
    real, holdout, syn = make_table(n_real, rng), make_table(n_real // 4, rng), make_table(n_syn, rng)
    r, s, h, schema = align_tables(real, syn, holdout)
    times = []
    for i in range(args.repeats):
        t = time.perf_counter()
        rows = privacy_metrics(r, s, h, schema, sensitive=["sex"], quasi_identifiers=["age", "sex", "cat_0"],
                               random_state=i)
        times.append(time.perf_counter() - t)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    med = statistics.median(times)
    print(f"{'rows real/holdout/synthetic':<32}{n_real:,} / {len(holdout):,} / {n_syn:,} x {len(schema.kinds)} columns")
    print(f"{'privacy section, median of ' + str(args.repeats):<32}{med:8.1f} s   (target < 60 s)")
    print(f"{'peak RSS (whole process)':<32}{peak_gb:8.2f} GB (target < 4 GB)")
    for m in rows:
        print(f"  {m.name:<36}{m.value if m.value is not None else float('nan'):10.4f}")
    import os

    print(f"{'load average (1 min) at the end':<32}{os.getloadavg()[0]:8.2f}   ({os.cpu_count()} CPUs)")
    out = {"load_average": os.getloadavg(), "cpu_count": os.cpu_count(), "rows_real": n_real, "rows_holdout": len(holdout), "rows_synthetic": n_syn, "columns": len(schema.kinds),
           "seconds": times, "median_seconds": med, "peak_rss_gb": peak_gb, "quick": args.quick,
           "metrics": {m.name: m.value for m in rows}}
    path = Path(__file__).parent / "results" / ("privacy_quick.json" if args.quick else "privacy.json")
    write_results(path, out)


if __name__ == "__main__":
    main()
