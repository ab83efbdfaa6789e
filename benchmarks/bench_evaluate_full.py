"""The whole evaluation report at the size users bring: 12,000 real records (+ a 3,000-row
holdout) and 500,000 synthetic ones, 23 columns as real registry tables have them: numeric,
categorical, boolean, missing values, THREE date columns written as day-first text
(DD-MM-YYYY, typed from the values), a patient identifier (detected and excluded) and a
5,000-level ICD-10-like code column; with a target, a sensitive column and validity rules.

Claim (issue 11): fidelity + utility + privacy + validity (with the temporal-order checks),
plots included, in under 90 s and 4 GB peak memory on a 2-core machine. How it fits: shape and pair metrics use a random subsample of at most 200,000 rows
per table, the detection classifier 12,000 rows per side (balanced), utility trains on at most
100,000 rows, and the privacy section is chunked (bounded memory); all sizes are stated in the
report's notes. Prints a table, writes benchmarks/results/evaluate_full.json.

    .venv/bin/python benchmarks/bench_evaluate_full.py            # full size, 1 repeat
    .venv/bin/python benchmarks/bench_evaluate_full.py --quick    # 2,000 real / 50,000 synthetic
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pharmasynth.evaluation import RuleSet, evaluate
from results_file import write_results

RULES = {"rules": [
    {"name": "age_range", "require": "age between 18 and 90"},
    {"name": "sbp_over_dbp", "require": "sbp > dbp"},
    {"name": "no_pregnant_men", "forbid": 'sex == "M" and pregnant'},
    {"name": "visit_after_enrolment", "require": "date(visit) >= date(enrolled)"},
    {"name": "egfr_positive", "require": "egfr > 0"},
]}


def make_patients(n: int, rng: np.random.Generator, *, fidelity: float = 1.0) -> pd.DataFrame:
    """A seeded patient-like table with 20 columns driven by 3 latent factors.

    fidelity < 1 mixes in independent noise: a "generator" that keeps marginals roughly but
    weakens relations, so the synthetic table is neither perfect nor useless.
    """
    z = rng.normal(size=(n, 3))
    if fidelity < 1:
        z = fidelity * z + np.sqrt(1 - fidelity**2) * rng.normal(size=(n, 3))
    frailty, metabolic, renal = z.T
    age = np.clip(55 + 12 * frailty + rng.normal(0, 4, n), 18, 90).round()
    sex = np.where(rng.random(n) < 0.48, "F", "M")
    pregnant = (sex == "F") & (age < 45) & (rng.random(n) < 0.04)
    bmi = 27 + 4 * metabolic + rng.normal(0, 2, n)
    sbp = 125 + 8 * frailty + 6 * metabolic + rng.normal(0, 8, n)
    dbp = np.minimum(sbp - 15, 78 + 0.4 * (sbp - 125) + rng.normal(0, 5, n))
    egfr = np.clip(95 - 15 * renal - 0.4 * (age - 55) + rng.normal(0, 8, n), 5, 150)
    hba1c = 5.6 + 0.6 * metabolic + rng.gamma(2, 0.15, n)
    ldl = 3.0 + 0.4 * metabolic + rng.normal(0, 0.6, n)
    crp = np.exp(0.5 + 0.5 * frailty + rng.normal(0, 0.7, n))
    hb = np.where(sex == "F", 13, 14.5) - 0.5 * renal + rng.normal(0, 1, n)
    smoker = rng.random(n) < 0.15 + 0.1 * (frailty > 1)
    diabetes = np.where(hba1c > 6.5, "type2", np.where(rng.random(n) < 0.01, "type1", "none"))
    nyha = np.clip(np.floor(1.5 + 0.8 * frailty + rng.normal(0, 0.5, n)), 1, 4).astype(int).astype(str)
    site = rng.choice([f"site_{i:02d}" for i in range(12)], n)
    arm = rng.choice(["placebo", "low", "high"], n)
    enrolled = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    visit = enrolled + pd.to_timedelta(rng.integers(20, 200, n), unit="D")
    n_meds = rng.poisson(np.exp(0.8 + 0.3 * frailty)).astype(float)
    risk = -1.0 + 0.8 * frailty + 0.5 * (diabetes != "none") - 0.02 * (egfr - 90) + 0.5 * smoker
    event = rng.random(n) < 1 / (1 + np.exp(-risk))
    df = pd.DataFrame({
        "age": age, "sex": sex, "pregnant": pregnant, "bmi": bmi, "sbp": sbp, "dbp": dbp, "egfr": egfr,
        "hba1c": hba1c, "ldl": ldl, "crp": crp, "hb": hb, "smoker": smoker, "diabetes": diabetes,
        "nyha": nyha, "site": site, "arm": arm, "enrolled": enrolled, "visit": visit, "n_meds": n_meds,
        "event": np.where(event, "yes", "no"),
    })
    df.loc[rng.random(n) < 0.08, "ldl"] = np.nan
    df.loc[rng.random(n) < 0.03, "crp"] = np.nan
    # what real registry tables add: an id, dates written as day-first text, a many-level code
    diagnosed = enrolled - pd.to_timedelta(rng.integers(0, 1100, n), unit="D")
    for col, when in (("diagnosed", diagnosed), ("enrolled", enrolled), ("visit", visit)):
        df[col] = pd.Series(when).dt.strftime("%d-%m-%Y")
    df.insert(0, "patient_id", pd.Series(rng.permutation(n * 10)[:n] + 10_000_000).map("PT-{:08d}".format))
    rank = rng.zipf(1.3, n) - 1 + 37 * (diabetes != "none") + 11 * (frailty > 1)
    df["icd10"] = pd.Series(rank % N_CODES).map(_icd10)
    return df


N_CODES = 5_000


def _icd10(i: int) -> str:
    """A well-formed ICD-10-like code (letter, two digits, dot, two digits) for level i of N_CODES."""
    return f"{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[i % 26]}{(i // 26) % 100:02d}.{(i // 2600) % 100:02d}"


PARTS = ("align", "fidelity", "utility", "privacy", "temporal_order", "validity")


def _timed(name, fn, timings):
    @functools.wraps(fn)
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - t
    return wrapper


def run_once(real, synthetic, holdout, seed):
    """One evaluate() call with the time of each part recorded (wrappers around its calls)."""
    mod = importlib.import_module("pharmasynth.evaluation.evaluate")  # the module behind evaluate()
    timings: dict[str, float] = {}
    saved = {k: getattr(mod, k) for k in ("align_tables", "fidelity_metrics", "utility_metrics", "privacy_metrics",
                                           "temporal_order_metrics")}
    saved_metrics = RuleSet.metrics
    try:
        for k, fn in saved.items():
            setattr(mod, k, _timed(k.replace("_metrics", "").replace("_tables", ""), fn, timings))
        RuleSet.metrics = _timed("validity", saved_metrics, timings)
        t = time.perf_counter()
        rep = evaluate(real, synthetic, holdout=holdout, target="event", sensitive=["diabetes"], rules=RULES,
                       random_state=seed, title="benchmark")
        timings["total"] = time.perf_counter() - t
    finally:
        for k, fn in saved.items():
            setattr(mod, k, fn)
        RuleSet.metrics = saved_metrics
    timings["plots + other"] = timings["total"] - sum(
        v for k, v in timings.items() if k in PARTS)
    return rep, timings


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 real / 500 holdout / 50,000 synthetic")
    ap.add_argument("--repeats", type=int, default=1, help="repeats (the median is reported)")
    args = ap.parse_args()
    n_real, n_syn = (2_000, 50_000) if args.quick else (12_000, 500_000)
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    real, holdout = make_patients(n_real, rng), make_patients(n_real // 4, rng)
    synthetic = make_patients(n_syn, rng, fidelity=0.6)
    t_gen = time.perf_counter() - t
    runs = []
    for i in range(args.repeats):
        rep, timings = run_once(real, synthetic, holdout, seed=i)
        runs.append(timings)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    load = os.getloadavg()
    print(f"{'rows real / holdout / synthetic':<34}{n_real:,} / {len(holdout):,} / {n_syn:,} x {real.shape[1]} columns")
    print(f"{'data generation (not timed below)':<34}{t_gen:8.1f} s")
    for k in (*PARTS, "plots + other", "total"):
        print(f"{k + ', median of ' + str(args.repeats):<34}{med.get(k, 0.0):8.1f} s" + ("   (target < 90 s)" if k == "total" else ""))
    print(f"{'peak RSS (whole process)':<34}{peak_gb:8.2f} GB   (target < 4 GB)")
    print(f"{'column typing':<34}" + ", ".join(f"{c}: {k}" for c, k in (
        ("patient_id", "excluded" if "patient_id" in rep.meta.get("excluded_columns", {}) else "MODELLED"),
        *((c, rep.meta["columns"].get(c, "?")) for c in ("diagnosed", "enrolled", "visit", "icd10")))))
    print(f"{'load average (1, 5, 15 min)':<34}{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}  on {os.cpu_count()} CPUs")
    fmt = lambda v: "null" if v is None else f"{v:.3f}"  # noqa: E731  (no overall score when a group is missing)
    print(f"\noverall score {fmt(rep.score())}; " + ", ".join(f"{g} {fmt(rep.score(g))}" for g in
                                                             ("fidelity", "utility", "privacy", "validity")))
    failed = [m.name for m in rep.metrics if m.status == "failed"]
    if failed:
        print("FAILED metrics:", failed)
    out = {"rows_real": n_real, "rows_holdout": len(holdout), "rows_synthetic": n_syn, "columns": real.shape[1],
           "quick": args.quick, "repeats": args.repeats, "seconds": runs, "median_seconds": med,
           "peak_rss_gb": peak_gb, "targets": {"seconds": 90, "peak_rss_gb": 4},
           "column_types": {"excluded": rep.meta.get("excluded_columns", {}),
                            "dates": [c for c, k in rep.meta["columns"].items() if k == "datetime"],
                            "code_levels_real": int(real["icd10"].nunique())}, "load_average": load, "cpu_count": os.cpu_count(),
           "score": rep.score(), "groups": {g: rep.score(g) for g in ("fidelity", "utility", "privacy", "validity")},
           "failed": failed,
           "notes": {m.name: m.notes for m in rep.metrics if m.name in ("column_shape", "detection_auc",
                                                                         "utility_loss_percent")}}
    name = "evaluate_full_quick.json" if args.quick else "evaluate_full.json"
    write_results(Path(__file__).parent / "results" / name, out)


if __name__ == "__main__":
    main()
