"""pharmasynth vs SDMetrics on DCRBaselineProtection and DCROverfittingProtection, side by side.

Claim (issue 2): on 5,000 x 5,000 rows the same values as SDMetrics, at least 20x faster.
Both libraries get the same three tables (train, holdout, synthetic: 20 mixed columns with
missing values, from bench_privacy.make_table) in the same process, one after the other.
DCRBaselineProtection compares against random data; to compare VALUES, pharmasynth is also run on
SDMetrics' own random table (same seed); to compare TIMES, each side makes its own random table.

    pip install -e ".[bench]"          # sdmetrics
    .venv/bin/python benchmarks/bench_vs_sdmetrics.py [--rows 5000] [--repeats 3]

Prints a table and writes benchmarks/results/vs_sdmetrics.json (rows_*.json for other sizes).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_privacy import make_table  # noqa: E402  (the same 20-column patient-like table)

from pharmasynth.evaluation import align_tables, dcr_baseline_protection, dcr_overfitting_protection  # noqa: E402
from results_file import write_results

SDTYPE = {"numeric": "numerical", "categorical": "categorical", "boolean": "boolean", "datetime": "datetime"}


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5000, help="rows in each of train, holdout and synthetic")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the pharmasynth side (median quoted)")
    ap.add_argument("--sdmetrics-repeats", type=int, default=1, help="repeats of the (slow) SDMetrics side")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 300 rows, one repeat a side")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.repeats, args.sdmetrics_repeats = 300, 1, 1
    try:
        import sdmetrics
        from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection
    except ImportError:
        print("SDMetrics is not installed: pip install -e '.[bench]' (skipping the comparison)")
        return 0

    n = args.rows
    rng = np.random.default_rng(0)
    train, holdout, syn = make_table(n, rng), make_table(n, rng), make_table(n, rng)
    # a third of the synthetic rows are training rows with jittered labs (a leaky generator), so
    # the overfitting score is not trivially 1.0 on both sides
    near = np.flatnonzero(rng.random(n) < 1 / 3)
    syn.iloc[near] = train.iloc[near].to_numpy()
    labs = [f"lab_{i}" for i in range(10)]
    syn.loc[syn.index[near], labs] += rng.normal(scale=0.05, size=(len(near), len(labs)))

    tr, sy, ho, schema = align_tables(train, syn, holdout)
    metadata = {"columns": {c: {"sdtype": SDTYPE[k]} for c, k in schema.kinds.items()}}

    # --- values on identical inputs -------------------------------------------------------
    DCRBaselineProtection._seed = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(0)  # SDMetrics draws the random table's missing-value mask from the global RNG
        t = time.perf_counter()
        sdm_base = DCRBaselineProtection.compute_breakdown(tr, sy, metadata, None)
        sdm_base_s = [time.perf_counter() - t]
        for _ in range(args.sdmetrics_repeats - 1):
            np.random.seed(0)
            t = time.perf_counter()
            DCRBaselineProtection.compute_breakdown(tr, sy, metadata, None)
            sdm_base_s.append(time.perf_counter() - t)
        np.random.seed(0)
        sdm_random = DCRBaselineProtection._generate_random_data(tr, len(sy))
        sdm_over, sdm_over_s = timed(lambda: DCROverfittingProtection.compute_breakdown(tr, sy, ho, metadata, None),
                                     args.sdmetrics_repeats)
    _, rand_aligned, _, _ = align_tables(tr, sdm_random.astype({c: tr[c].dtype for c in tr.columns if
                                                                schema.kinds[c] != "numeric"}, errors="ignore"))
    ours_base_same = dcr_baseline_protection(tr, sy, schema, random_data=rand_aligned)

    # --- times: each side end to end (pharmasynth makes its own random table) ------------
    ours_base, ours_base_s = timed(lambda: dcr_baseline_protection(tr, sy, schema, random_state=0), args.repeats)
    ours_over, ours_over_s = timed(lambda: dcr_overfitting_protection(tr, sy, ho, schema), args.repeats)

    rows = [
        ("DCROverfittingProtection score", sdm_over["score"], ours_over["score"]),
        ("  share closer to training", sdm_over["synthetic_data_percentages"]["closer_to_training"]
         if "synthetic_data_percentages" in sdm_over else sdm_over.get("closer_to_training"), ours_over["closer_to_training"]),
        ("DCRBaselineProtection score (same random table)", sdm_base["score"], ours_base_same["score"]),
        ("  median DCR synthetic->real", sdm_base["median_DCR_to_real_data"]["synthetic_data"],
         ours_base_same["median_dcr_synthetic"]),
        ("  median DCR random->real", sdm_base["median_DCR_to_real_data"]["random_data_baseline"],
         ours_base_same["median_dcr_random"]),
    ]
    max_diff = max(abs(float(a) - float(b)) for _, a, b in rows)
    med = statistics.median
    ratio_over = med(sdm_over_s) / med(ours_over_s)
    ratio_base = med(sdm_base_s) / med(ours_base_s)

    print(f"{n:,} train x {n:,} holdout x {n:,} synthetic rows, {len(schema.kinds)} columns; "
          f"SDMetrics {sdmetrics.__version__}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    print(f"{'value':<52}{'SDMetrics':>12}{'pharmasynth':>13}{'|diff|':>10}")
    for name, a, b in rows:
        print(f"{name:<52}{float(a):12.6f}{float(b):13.6f}{abs(float(a) - float(b)):10.2e}")
    print(f"{'seconds (median)':<52}{'SDMetrics':>12}{'pharmasynth':>13}{'ratio':>10}")
    print(f"{'DCROverfittingProtection':<52}{med(sdm_over_s):12.2f}{med(ours_over_s):13.3f}{ratio_over:9.1f}x")
    print(f"{'DCRBaselineProtection':<52}{med(sdm_base_s):12.2f}{med(ours_base_s):13.3f}{ratio_base:9.1f}x")
    print(f"largest |difference| {max_diff:.2e} (target: the same values); speed-up target >= 20x")

    out = {"rows": n, "columns": len(schema.kinds), "sdmetrics_version": sdmetrics.__version__,
           "cpu_count": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version(),
           "values": {name.strip(): {"sdmetrics": float(a), "pharmasynth": float(b)} for name, a, b in rows},
           "max_abs_difference": max_diff,
           "seconds": {"sdmetrics_overfitting": sdm_over_s, "pharmasynth_overfitting": ours_over_s,
                       "sdmetrics_baseline": sdm_base_s, "pharmasynth_baseline": ours_base_s},
           "speedup_median": {"overfitting": ratio_over, "baseline": ratio_base},
           "pharmasynth_own_random_baseline_score": ours_base["score"]}
    name = "vs_sdmetrics.json" if n == 5000 else f"vs_sdmetrics_rows_{n}.json"
    write_results(Path(__file__).parent / "results" / name, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
