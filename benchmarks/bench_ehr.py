"""Benchmark: synthetic patient timelines at scale - fit on the NAFLD cohort, sample 500,000 timelines.

Claim (issue 18, item 5): fit on the 17,549 NAFLD patients and sample 500,000 synthetic timelines
(~11 M lab rows) in under 5 minutes on 2 cores, written to Parquet in chunks with < 4 GB of memory.
Peers, side by side, alternating A B A B, each run in a fresh process (its own peak memory):
  A  chunked   `pharmasynth.ehr.chunks.sample_to_parquet` (chunks of --chunk-size, row groups appended)
  B  one-shot  `TimelineSynthesizer.sample(n)` in memory, then `DataFrame.to_parquet` per table
Reported: fit seconds; per peer the median sampling seconds, peak RSS (GB) and rows; the median of
the pairwise A/B ratios of time and of memory; output size on disk.

    python benchmarks/bench_ehr.py --quick      # 50,000 timelines, one pair
    python benchmarks/bench_ehr.py              # 500,000 timelines, two pairs
    python benchmarks/bench_ehr.py --ablation   # what each model part buys (fidelity, not speed)

--ablation fits three variants on 70% of the patients and measures fidelity against the other 30%:
the full model, hazards without event history (independent comorbidities), and labs that ignore
events; it is how the generator was chosen.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_file import write_results  # noqa: E402


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # Linux: KiB


def _chunked(model_dir, n, out, chunk_size, queue):
    from pharmasynth.ehr import TimelineSynthesizer
    from pharmasynth.ehr.chunks import sample_to_parquet

    model = TimelineSynthesizer.load(model_dir)
    t0 = time.perf_counter()
    meta = sample_to_parquet(model, n, out, chunk_size=chunk_size, random_state=1, batch=1)
    queue.put({"seconds": time.perf_counter() - t0, "peak_gb": _peak_gb(), "rows": meta["rows"]})


def _one_shot(model_dir, n, out, chunk_size, queue):
    from pharmasynth.ehr import TimelineSynthesizer

    model = TimelineSynthesizer.load(model_dir)
    t0 = time.perf_counter()
    tl = model.sample(n, random_state=1)
    Path(out).mkdir(parents=True, exist_ok=True)
    for name in ("static", "measurements", "events"):
        getattr(tl, name).to_parquet(Path(out) / f"{name}.parquet", compression="zstd")
    queue.put({"seconds": time.perf_counter() - t0, "peak_gb": _peak_gb(),
               "rows": {k: len(getattr(tl, k)) for k in ("static", "measurements", "events")}})


def _in_fresh_process(fn, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    p = ctx.Process(target=fn, args=(*args, queue))
    p.start()
    result = queue.get()
    p.join()
    return result


def _size_mb(folder) -> float:
    return sum(f.stat().st_size for f in Path(folder).glob("*.parquet")) / 1024 ** 2


def ablation(out_path, quick: bool):
    """Fidelity of the full model and of two simpler variants, against real patients never seen."""
    from pharmasynth.ehr import TimelineSynthesizer, load_nafld
    from pharmasynth.ehr.evaluate import _types_tests, fidelity_rows
    from pharmasynth.ehr.temporal import lab_before_event

    real = load_nafld()
    train, holdout = real.split(0.3, random_state=0)
    types, tests = _types_tests(train)
    variants = {"full model": {}, "no event history in hazards": {"event_history": False},
                "labs ignore events": {"lab_event_effects": False}, "no same-day co-diagnosis": {"same_day": False}}
    keep = ("cumulative_incidence_gap", "inter_event_interval_ks", "age_sex_incidence_relative_error", "cooccurrence_gap",
            "events_per_patient_tvd", "lab_mean_by_year_gap", "lab_before_event_gap")
    rows = {}
    for label, kw in variants.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = TimelineSynthesizer(covariates=["age", "male", "bmi"], em_sweeps=3 if quick else 10,
                                        random_state=0, **kw).fit(train)
            syn = model.sample(train.n_patients, random_state=1)
            metrics, _ = fidelity_rows(holdout, syn, types, tests)
        row = {m.name: m.value for m in metrics if m.name in keep}
        row["sbp change in the year before htn"] = lab_before_event(syn, "sbp", "htn")[0]
        row["hdl change in the year before diabetes"] = lab_before_event(syn, "hdl", "diabetes")[0]
        rows[label] = row
    rows["real holdout"] = {"sbp change in the year before htn": lab_before_event(holdout, "sbp", "htn")[0],
                            "hdl change in the year before diabetes": lab_before_event(holdout, "hdl", "diabetes")[0]}
    names = list(rows["full model"])
    print(f"{'metric (lower is better; last two: mmHg / mg/dL)':48s}" + "".join(f"{k[:22]:>24s}" for k in rows))
    for n in names:
        print(f"{n:48s}" + "".join(f"{rows[k].get(n, float('nan')):24.3f}" for k in rows))
    write_results(out_path, {"ablation": rows, "n_train": train.n_patients, "n_holdout": holdout.n_patients})
    print(f"wrote {out_path}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50,000 timelines, one A B pair")
    ap.add_argument("--n", type=int, default=None, help="timelines to sample (default 500,000; quick 50,000)")
    ap.add_argument("--pairs", type=int, default=None, help="A B pairs (default 2; quick 1)")
    ap.add_argument("--chunk-size", type=int, default=50_000, help="chunked peer: timelines per chunk (default 50000)")
    ap.add_argument("--out", default="benchmarks/results/ehr.json", help="results JSON (default %(default)s)")
    ap.add_argument("--ablation", action="store_true", help="fidelity of the model's parts instead of speed")
    args = ap.parse_args(argv)
    if args.ablation:
        return ablation(args.out.replace(".json", "_ablation.json"), args.quick)
    n = args.n or (50_000 if args.quick else 500_000)
    pairs = args.pairs or (1 if args.quick else 2)

    from pharmasynth.ehr import TimelineSynthesizer, load_nafld

    work = Path(tempfile.mkdtemp(prefix="bench_ehr_"))
    try:
        t0 = time.perf_counter()
        real = load_nafld()
        t1 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = TimelineSynthesizer(covariates=["age", "male", "bmi"], random_state=0).fit(real)
        t2 = time.perf_counter()
        model.save(work / "model")
        peers = {"A chunked (sample_to_parquet)": _chunked, "B one-shot (sample + to_parquet)": _one_shot}
        runs = {k: [] for k in peers}
        sizes = {}
        for i in range(pairs):
            for label, fn in peers.items():  # A B A B
                out = work / f"{label[0]}{i}"
                runs[label].append(_in_fresh_process(fn, str(work / "model"), n, str(out), args.chunk_size))
                sizes[label] = _size_mb(out)
                shutil.rmtree(out)
        a, b = (runs[k] for k in peers)
        time_ratio = statistics.median(x["seconds"] / y["seconds"] for x, y in zip(a, b))
        mem_ratio = statistics.median(x["peak_gb"] / y["peak_gb"] for x, y in zip(a, b))
        fit_s, load_s = t2 - t1, t1 - t0
        print(f"NAFLD: {real.n_patients:,} patients, {len(real.measurements):,} measurements, {len(real.events):,} "
              f"events; read {load_s:.1f} s, fit {fit_s:.1f} s; sample {n:,} timelines, {pairs} pair(s), medians")
        print(f"{'peer':36s} {'sample s':>9s} {'peak GB':>8s} {'lab rows':>12s} {'events':>10s} {'MB on disk':>11s}")
        summary = {}
        for label, rs in runs.items():
            s = {"seconds": statistics.median(r["seconds"] for r in rs),
                 "peak_gb": statistics.median(r["peak_gb"] for r in rs), "rows": rs[0]["rows"],
                 "disk_mb": sizes[label], "runs": rs}
            summary[label] = s
            print(f"{label:36s} {s['seconds']:9.1f} {s['peak_gb']:8.2f} {s['rows']['measurements']:12,d} "
                  f"{s['rows']['events']:10,d} {s['disk_mb']:11.1f}")
        print(f"median pairwise ratio A/B: time {time_ratio:.2f}, peak memory {mem_ratio:.2f}")
        chunked = summary["A chunked (sample_to_parquet)"]
        total = fit_s + chunked["seconds"]
        claim = total < 300 and chunked["peak_gb"] < 4
        print(f"claim 'fit 17,549 + sample {n:,} to Parquet in < 300 s with < 4 GB': fit + sample = {total:.1f} s, "
              f"peak {chunked['peak_gb']:.2f} GB -> {'met' if claim else 'NOT met'}")
        write_results(args.out, {
            "n_train": real.n_patients, "n_sample": n, "pairs": pairs, "chunk_size": args.chunk_size,
            "read_s": load_s, "fit_s": fit_s, "peers": summary, "time_ratio_A_over_B": time_ratio,
            "memory_ratio_A_over_B": mem_ratio, "fit_plus_sample_s": total, "claim_met": claim,
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                        "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None}})
        print(f"wrote {args.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
