"""Benchmark: synthetic patients at scale - fit on 12,000 records, sample 500,000.

Claim (issue 3, item 2): fit on 12,000 records and sample 500,000 in under 2 minutes on this machine.
The 12,000 training records are ACTG 175 patients (all 26 columns but the id) resampled with
replacement from the shipped 2,139. Generators, side by side in the same run:
  GaussianCopula  (pharmasynth.tabular)       the claim
  TabularVAE      (pharmasynth.tabular)       the deep generator
  IndependentMarginals (pharmasynth.evaluation)  the cheapest possible peer: resampling each column
Reported: fit seconds, sample seconds, total, rows/s, and time as a ratio of the peer's; plus a
fidelity check (mean |Spearman difference| over column pairs, real vs synthetic) so that speed is
not bought with nonsense. Medians of --repeats runs.

    python benchmarks/bench_synth_patients.py --quick
    python benchmarks/bench_synth_patients.py            # 12,000 -> 500,000
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pharmasynth.evaluation import IndependentMarginals
from pharmasynth.tabular import GaussianCopula, TabularVAE
from pharmasynth.trials import load_actg175
from results_file import write_results


def pair_error(real: pd.DataFrame, syn: pd.DataFrame, max_rows: int = 20000) -> float:
    """Mean |Spearman(real) - Spearman(synthetic)| over all numeric column pairs."""
    num = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c]) and real[c].nunique() > 1]
    a = real[num].sample(min(len(real), max_rows), random_state=0).corr(method="spearman").to_numpy()
    b = syn[num].sample(min(len(syn), max_rows), random_state=0).corr(method="spearman").to_numpy()
    iu = np.triu_indices(len(num), 1)
    return float(np.nanmean(np.abs(a[iu] - b[iu])))


def run_one(name, make, train, n_sample):
    gen = make()
    t0 = time.perf_counter()
    gen.fit(train)
    t1 = time.perf_counter()
    syn = gen.sample(n_sample)
    t2 = time.perf_counter()
    assert len(syn) == n_sample
    return {"fit_s": t1 - t0, "sample_s": t2 - t1, "total_s": t2 - t0, "pair_error": pair_error(train, syn)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 -> 50,000 rows, one repeat")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--n-sample", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--vae-epochs", type=int, default=None)
    ap.add_argument("--out", default="benchmarks/results/synth_patients.json")
    args = ap.parse_args(argv)
    n_train = args.n_train or (2000 if args.quick else 12000)
    n_sample = args.n_sample or (50000 if args.quick else 500000)
    repeats = args.repeats or (1 if args.quick else 3)
    epochs = args.vae_epochs or (5 if args.quick else 30)

    real = load_actg175(drop_id=True)
    rng = np.random.default_rng(0)
    train = real.iloc[rng.integers(0, len(real), n_train)].reset_index(drop=True)
    gens = {
        "IndependentMarginals (peer)": lambda: IndependentMarginals(random_state=0),
        "GaussianCopula": lambda: GaussianCopula(random_state=0),
        "TabularVAE": lambda: TabularVAE(epochs=epochs, random_state=0),
    }
    results = {}
    for name, make in gens.items():
        runs = [run_one(name, make, train, n_sample) for _ in range(repeats if name != "TabularVAE" else 1)]
        results[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {"repeats": len(runs)}
    peer = results["IndependentMarginals (peer)"]["total_s"]
    print(f"fit on {n_train:,} records, sample {n_sample:,} (ACTG 175 columns: {train.shape[1]}); medians")
    print(f"{'generator':30s} {'fit s':>8s} {'sample s':>9s} {'total s':>8s} {'rows/s':>11s} {'x peer':>7s} {'pair err':>9s}")
    for name, r in results.items():
        r["rows_per_s"] = n_sample / r["sample_s"]
        r["ratio_to_peer"] = r["total_s"] / peer
        print(f"{name:30s} {r['fit_s']:8.2f} {r['sample_s']:9.2f} {r['total_s']:8.2f} {r['rows_per_s']:11,.0f} "
              f"{r['ratio_to_peer']:7.1f} {r['pair_error']:9.3f}")
    claim = results["GaussianCopula"]["total_s"] < 120
    print(f"claim 'fit {n_train:,} + sample {n_sample:,} in < 120 s' (GaussianCopula): {'met' if claim else 'NOT met'}")
    out = {"n_train": n_train, "n_sample": n_sample, "n_columns": train.shape[1], "results": results,
           "claim_under_120s": claim, "vae_epochs": epochs,
           "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                       "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_results(args.out, out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
