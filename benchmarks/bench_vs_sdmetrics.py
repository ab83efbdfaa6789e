"""pharmasynth vs SDMetrics on DCRBaselineProtection and DCROverfittingProtection, side by side.

Claim (issue 2): on 5,000 x 5,000 rows the same values as SDMetrics, at least 20x faster.
Both libraries get the same three tables (train, holdout, synthetic: 20 mixed columns with
missing values, from bench_privacy.make_table) in the same process. DCRBaselineProtection
compares against random data; to compare VALUES, pharmasynth is also run on SDMetrics' own random
table (same seed); to compare TIMES, each side makes its own random table.

Timing is side by side: the two libraries ALTERNATE run by run (SDMetrics, pharmasynth,
SDMetrics, pharmasynth, ...), so that a change in the machine's load hits both sides of a pair,
and the quoted speed-up is the MEDIAN OF THE PAIRWISE RATIOS (with their range), not a ratio of
medians measured at different times.

    pip install -e ".[bench]"          # sdmetrics
    .venv/bin/python benchmarks/bench_vs_sdmetrics.py [--rows 5000] [--pairs 3] [--quick]

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


def alternate(a, b, pairs):
    """Run a(), b(), a(), b(), ... `pairs` times; returns (seconds of a, seconds of b, last results)."""
    ta, tb, out = [], [], (None, None)
    for _ in range(pairs):
        t = time.perf_counter()
        ra = a()
        ta.append(time.perf_counter() - t)
        t = time.perf_counter()
        rb = b()
        tb.append(time.perf_counter() - t)
        out = (ra, rb)
    return ta, tb, out


def pairwise(ta, tb) -> dict:
    ratios = [x / y for x, y in zip(ta, tb)]
    return {"median_ratio": statistics.median(ratios), "ratios": ratios, "min_ratio": min(ratios),
            "max_ratio": max(ratios)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5000, help="rows in each of train, holdout and synthetic")
    ap.add_argument("--pairs", type=int, default=3,
                    help="alternating runs per metric: SDMetrics then pharmasynth, this many times")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 300 rows, 2 pairs")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.pairs = 300, 2
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

    def sdm_base_run():
        np.random.seed(0)  # SDMetrics draws the random table's missing-value mask from the global RNG
        return DCRBaselineProtection.compute_breakdown(tr, sy, metadata, None)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A B A B: SDMetrics, pharmasynth, SDMetrics, pharmasynth ... for each metric
        sdm_over_s, ours_over_s, (sdm_over, ours_over) = alternate(
            lambda: DCROverfittingProtection.compute_breakdown(tr, sy, ho, metadata, None),
            lambda: dcr_overfitting_protection(tr, sy, ho, schema), args.pairs)
        sdm_base_s, ours_base_s, (sdm_base, ours_base) = alternate(
            sdm_base_run, lambda: dcr_baseline_protection(tr, sy, schema, random_state=0), args.pairs)
        np.random.seed(0)
        sdm_random = DCRBaselineProtection._generate_random_data(tr, len(sy))
    _, rand_aligned, _, _ = align_tables(tr, sdm_random.astype({c: tr[c].dtype for c in tr.columns if
                                                                schema.kinds[c] != "numeric"}, errors="ignore"))
    ours_base_same = dcr_baseline_protection(tr, sy, schema, random_data=rand_aligned)

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
    pw_over, pw_base = pairwise(sdm_over_s, ours_over_s), pairwise(sdm_base_s, ours_base_s)

    print(f"{n:,} train x {n:,} holdout x {n:,} synthetic rows, {len(schema.kinds)} columns; "
          f"SDMetrics {sdmetrics.__version__}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    print(f"{'value':<52}{'SDMetrics':>12}{'pharmasynth':>13}{'|diff|':>10}")
    for name, a, b in rows:
        print(f"{name:<52}{float(a):12.6f}{float(b):13.6f}{abs(float(a) - float(b)):10.2e}")
    print(f"{'seconds (median of ' + str(args.pairs) + ' alternating pairs)':<52}{'SDMetrics':>12}{'pharmasynth':>13}"
          f"{'ratio':>10}  (range)")
    for label, a, b, pw in (("DCROverfittingProtection", sdm_over_s, ours_over_s, pw_over),
                            ("DCRBaselineProtection", sdm_base_s, ours_base_s, pw_base)):
        print(f"{label:<52}{med(a):12.2f}{med(b):13.3f}{pw['median_ratio']:9.1f}x  "
              f"({pw['min_ratio']:.1f}-{pw['max_ratio']:.1f}x)")
    print(f"largest |difference| {max_diff:.2e} (target: the same values); speed-up = median of the pairwise "
          "ratios (target >= 20x)")

    out = {"rows": n, "columns": len(schema.kinds), "sdmetrics_version": sdmetrics.__version__,
           "cpu_count": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version(),
           "values": {name.strip(): {"sdmetrics": float(a), "pharmasynth": float(b)} for name, a, b in rows},
           "max_abs_difference": max_diff,
           "seconds": {"sdmetrics_overfitting": sdm_over_s, "pharmasynth_overfitting": ours_over_s,
                       "sdmetrics_baseline": sdm_base_s, "pharmasynth_baseline": ours_base_s},
           "protocol": "alternating A B A B (SDMetrics then pharmasynth), median of the pairwise ratios",
           "pairs": args.pairs,
           "speedup_pairwise": {"overfitting": pw_over, "baseline": pw_base},
           "pharmasynth_own_random_baseline_score": ours_base["score"]}
    name = "vs_sdmetrics_quick.json" if args.quick else (
        "vs_sdmetrics.json" if n == 5000 else f"vs_sdmetrics_rows_{n}.json")
    write_results(Path(__file__).parent / "results" / name, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
