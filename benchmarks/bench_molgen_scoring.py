"""Scoring generated libraries: pharmasynth's score_library vs MOSES's get_all_metrics, same input.

Claim (issue 5): 100,000 generated molecules against a 100,000-molecule reference in under 60 s on
a 2-core machine, FCD timed separately; side by side with MOSES on the same input, ratio >= 10x.

Molecules come from the MOSES data files (the molsets wheel's train.csv.gz / test.csv.gz, found in
the MOSES environment given by --moses-python); without it, from the subset shipped in data/moses
(sizes capped by what is shipped). A "generated" library = test-set molecules (novel) + training
molecules (not novel) + 1 % broken strings, in a seeded shuffle; the reference is training
molecules; the test set is other test-set molecules.

    .venv/bin/python benchmarks/bench_molgen_scoring.py --moses-python /work/moses_env/bin/python
    .venv/bin/python benchmarks/bench_molgen_scoring.py --quick

Two parts, one table each, both in benchmarks/results/molgen_scoring.json:
  1. side by side at --compare-size (default 10,000 generated / 10,000 reference / 10,000 test and
     10,000 scaffold-test molecules):
     MOSES get_all_metrics (n_jobs=2) vs score_library (2 worker processes), values and times,
     alternating MOSES / pharmasynth, --repeats pairs per phase, medians of the pairwise ratios:
       cold: pharmasynth with an empty reference-statistics cache (issue 14 item 5),
       warm: a second library against the same reference files (the reference side from the cache);
     --moses-precomputed also times MOSES with its own precomputed test statistics (ptest).
     pharmasynth's GuacaMol scores and utility model are off here (MOSES computes neither);
  2. pharmasynth alone at --size (default 100,000 / 100,000, test 10,000), time per component.

The MOSES environment (throw-away; see benchmarks/make_moses_reference.py for the one patch):
    python3.11 -m venv /work/moses_env
    /work/moses_env/bin/pip install torch==2.13.0 "numpy<2" "pandas<2" scipy rdkit==2026.09.1 fcd_torch==1.0.7 \
        "matplotlib<3.9"   # molsets imports pyplot at import time
    /work/moses_env/bin/pip install --no-deps molsets==0.3.1
    printf 'def iteritems(d):\\n    return iter(d.items())\\n' > /work/moses_env/lib/python3.11/site-packages/rdkit/six.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from results_file import write_results

ROOT = Path(__file__).resolve().parents[1]

MOSES_SCRIPT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from moses.metrics import get_all_metrics
from moses.metrics.metrics import compute_intermediate_statistics
gen, ref, test, test_sf = (open(p).read().split("\n") for p in sys.argv[1:5])
mode = sys.argv[5] if len(sys.argv) > 5 else "plain"
gen = [g for g in gen[:-1]]
ref, test, test_sf = [r for r in ref if r], [t for t in test if t], [t for t in test_sf if t]
kw = dict(test=test, test_scaffolds=test_sf)
if mode == "precomputed":   # MOSES's own reuse: test statistics computed before the clock starts
    kw.update(ptest=compute_intermediate_statistics(test, n_jobs=2, device="cpu"),
              ptest_scaffolds=compute_intermediate_statistics(test_sf, n_jobs=2, device="cpu"))
t = time.perf_counter()
m = get_all_metrics(gen, k=[1000, 10000], n_jobs=2, device="cpu", train=ref, **kw)
print(json.dumps({"seconds": time.perf_counter() - t, "metrics": {k: float(v) for k, v in m.items()}}))
"""


def moses_data(moses_python):
    if moses_python:
        try:
            where = subprocess.run([moses_python, "-c", "import moses, os; print(os.path.dirname(moses.__file__))"],
                                   capture_output=True, text=True, check=True).stdout.strip()
            base = Path(where) / "dataset" / "data"

            def read(name):
                with gzip.open(base / f"{name}.csv.gz", "rt") as fh:
                    next(fh)
                    return [ln.split(",")[0].strip() for ln in fh if ln.strip()]
            return (read("train"), read("test"), read("test_scaffolds"),
                    "molsets wheel data (" + str(base) + ")")
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"MOSES environment not usable ({exc}); using the shipped subset")

    def read_shipped(name):
        with gzip.open(ROOT / "data" / "moses" / f"{name}.smi.gz", "rt") as fh:
            return [ln.split()[0] for ln in fh if ln.strip()]
    return read_shipped("train"), read_shipped("test"), read_shipped("test_scaffolds"), "shipped data/moses subset"


def make_inputs(train, test, n_gen, n_ref, n_test, seed=0):
    rng = random.Random(seed)
    n_novel = int(0.9 * n_gen)
    gen = test[:n_novel] + train[: n_gen - n_novel - n_gen // 100]
    gen += [s[: len(s) // 2] + "(" for s in test[n_novel: n_novel + n_gen // 100]]   # 1 % broken
    rng.shuffle(gen)
    test_set = test[n_novel + n_gen // 100: n_novel + n_gen // 100 + n_test]
    reference = train[:n_ref]
    return gen, reference, test_set


def run_ours(gen, ref, test, workers, fcd, test_scaffolds=None, cache=False, guacamol=False, utility=True):
    """score_library on `workers` Dask worker processes (the cluster is started before the clock)."""
    from pharmasynth.molgen import score_library

    kw = dict(reference=ref, test=test, test_scaffolds=test_scaffolds, fcd=fcd, cache=cache,
              guacamol=guacamol, utility=utility)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if workers > 1:
            from dask.distributed import Client, LocalCluster

            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
                    Client(c):
                t = time.perf_counter()
                res = score_library(gen, client=c, **kw)
                return res, time.perf_counter() - t
        t = time.perf_counter()
        res = score_library(gen, **kw)
        return res, time.perf_counter() - t


def run_moses(moses_python, gen, ref, test, test_sf, mode="plain"):
    """MOSES get_all_metrics (n_jobs=2) in its own environment; (seconds, metrics) or None."""
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for name, data in (("gen", gen), ("ref", ref), ("test", test), ("test_sf", test_sf)):
            p = Path(d) / f"{name}.txt"
            p.write_text("\n".join(data) + "\n")
            paths.append(str(p))
        script = Path(d) / "run_moses.py"
        script.write_text(MOSES_SCRIPT)
        proc = subprocess.run([moses_python, str(script), *paths, mode], capture_output=True, text=True)
    if proc.returncode != 0:
        print("MOSES run failed:", proc.stderr[-2000:])
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["seconds"], out["metrics"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moses-python", help="python of an environment with molsets (MOSES) installed")
    ap.add_argument("--size", type=int, default=100_000, help="generated = reference size for part 2")
    ap.add_argument("--test-size", type=int, default=10_000)
    ap.add_argument("--compare-size", type=int, default=10_000)
    ap.add_argument("--compare-test-size", type=int, default=10_000,
                    help="test and scaffold-test molecules (issue 14's protocol: a random 10,000 of the test set)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="alternating MOSES / pharmasynth pairs per phase")
    ap.add_argument("--moses-precomputed", action="store_true",
                    help="also time MOSES with its own precomputed test statistics (ptest) in the warm phase")
    ap.add_argument("--quick", action="store_true", help="2,000 / 2,000 / 500, both parts")
    ap.add_argument("--skip-large", action="store_true", help="only the side-by-side part")
    ap.add_argument("--skip-compare", action="store_true",
                    help="only the large part (the side-by-side result already in the JSON is kept)")
    ap.add_argument("--out", help="result JSON (default: benchmarks/results/molgen_scoring[_quick].json)")
    args = ap.parse_args()
    if args.quick:
        args.size, args.test_size, args.compare_size, args.compare_test_size = 2000, 500, 2000, 500
        args.repeats = 2
    train, test, test_sf, source = moses_data(args.moses_python)
    result_file = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / (
        "molgen_scoring_quick.json" if args.quick else "molgen_scoring.json")
    out = {"source": source, "cpu_count": os.cpu_count(), "workers": args.workers}
    if args.skip_compare and result_file.is_file():  # keep the earlier side-by-side run
        out = {**json.loads(result_file.read_text()), **out}

    # ---- 1. side by side with MOSES -------------------------------------------------------
    if not args.skip_compare:
        side_by_side(args, train, test, test_sf, source, out)
    # ---- 2. pharmasynth at the claimed size -------------------------------------------------
    if not args.skip_large:
        large_run(args, train, test, out)
    out["load_average"] = os.getloadavg()
    write_results(result_file, out, indent=1)
    return 0




def _max_diff(moses_metrics, ours):
    diffs = {k: abs(v - ours[k]) for k, v in moses_metrics.items()
             if k in ours and v == v and ours[k] == ours[k]}
    worst = max(diffs, key=diffs.get)
    return diffs[worst], worst


def side_by_side(args, train, test, test_sf_all, source, out):
    """MOSES vs pharmasynth on the same input, both on 2 processes, alternating A B A B:
    cold = pharmasynth with an empty reference-statistics cache; warm = a SECOND library against the same
    reference files (only the library is featurised). MOSES recomputes everything on every run
    ("plain"); "precomputed" is MOSES's own reuse (test statistics passed as ptest, training set redone).
    Like for like: pharmasynth's GuacaMol scores and utility model are off here (MOSES has neither)."""
    gen, ref, tst = make_inputs(train, test, args.compare_size, args.compare_size, args.compare_test_size)
    gen2 = make_inputs(train, test[::-1], args.compare_size, args.compare_size, 0, seed=1)[0]  # other molecules
    tsf = test_sf_all[:args.compare_test_size]
    side = {"n_generated": len(gen), "n_reference": len(ref), "n_test": len(tst), "n_test_scaffolds": len(tsf),
            "repeats": args.repeats,
            "pairs": []}
    if not args.moses_python:
        print("MOSES not given (--moses-python): side-by-side part runs pharmasynth only")
    for rep in range(args.repeats):
        cache = tempfile.mkdtemp(prefix="refstats-bench-")       # empty: the cold run fills it
        for phase, library in (("cold", gen), ("warm", gen2)):
            pair = {"repeat": rep, "phase": phase}
            moses = run_moses(args.moses_python, library, ref, tst, tsf) if args.moses_python else None
            ours, t_ours = run_ours(library, ref, tst, args.workers, fcd=True, test_scaffolds=tsf, cache=cache,
                                    utility=False)
            pair["pharmasynth_seconds"], pair["pharmasynth_components"] = t_ours, ours.seconds
            if moses:
                pair["moses_seconds"], pair["ratio"] = moses[0], moses[0] / t_ours
                pair["max_abs_difference"], pair["max_abs_difference_metric"] = _max_diff(moses[1], ours.metrics)
                side.setdefault("moses", moses[1]) if phase == "cold" else None
            if phase == "cold":
                side["pharmasynth"] = dict(ours.metrics)
            if phase == "warm" and args.moses_python and args.moses_precomputed:
                pre = run_moses(args.moses_python, library, ref, tst, tsf, mode="precomputed")
                if pre:
                    pair["moses_precomputed_seconds"] = pre[0]
                    pair["ratio_vs_moses_precomputed"] = pre[0] / t_ours
            side["pairs"].append(pair)
            print(f"  repeat {rep} {phase}: pharmasynth {t_ours:.1f} s" +
                  (f", MOSES {pair['moses_seconds']:.1f} s, ratio {pair['ratio']:.2f}x" if "ratio" in pair else ""),
                  flush=True)
        shutil.rmtree(cache, ignore_errors=True)
    for phase in ("cold", "warm"):
        pairs = [p for p in side["pairs"] if p["phase"] == phase]
        side[f"{phase}_pharmasynth_median_seconds"] = statistics.median(p["pharmasynth_seconds"] for p in pairs)
        if all("ratio" in p for p in pairs) and pairs:
            side[f"{phase}_moses_median_seconds"] = statistics.median(p["moses_seconds"] for p in pairs)
            side[f"{phase}_median_ratio"] = statistics.median(p["ratio"] for p in pairs)
            side[f"{phase}_max_abs_difference"] = max(p["max_abs_difference"] for p in pairs)
        pre = [p["ratio_vs_moses_precomputed"] for p in pairs if "ratio_vs_moses_precomputed" in p]
        if pre:
            side[f"{phase}_median_ratio_vs_moses_precomputed"] = statistics.median(pre)
    out["side_by_side"] = side
    print(f"\n1. side by side, {len(gen):,} generated / {len(ref):,} reference / {len(tst):,} test ({source}), "
          f"{args.workers} processes each, {args.repeats} alternating repeats")
    if "moses" in side:
        print(f"{'metric':<14}{'MOSES':>12}{'pharmasynth':>13}")
        for k, v in side["pharmasynth"].items():
            if k in side["moses"]:
                print(f"{k:<14}{side['moses'][k]:12.5f}{v:13.5f}")
    print(f"{'run':<8}{'MOSES s (median)':>18}{'pharmasynth s (median)':>24}{'median ratio':>14}{'goal':>8}")
    for phase, goal in (("cold", "-"), ("warm", ">= 4x")):
        if f"{phase}_median_ratio" in side:
            print(f"{phase:<8}{side[f'{phase}_moses_median_seconds']:18.1f}"
                  f"{side[f'{phase}_pharmasynth_median_seconds']:24.1f}{side[f'{phase}_median_ratio']:13.2f}x{goal:>8}")
        else:
            print(f"{phase:<8}{'-':>18}{side[f'{phase}_pharmasynth_median_seconds']:24.1f}{'-':>14}{goal:>8}")
    if "warm_max_abs_difference" in side:
        print(f"largest |MOSES - pharmasynth| over all runs: "
              f"{max(side['cold_max_abs_difference'], side['warm_max_abs_difference']):.1e}")
    if "warm_median_ratio_vs_moses_precomputed" in side:
        print(f"warm vs MOSES with its own precomputed test statistics: "
              f"{side['warm_median_ratio_vs_moses_precomputed']:.2f}x")


def large_run(args, train, test, out):
    gen, ref, tst = make_inputs(train, test, args.size, args.size, args.test_size)
    res, t_all = run_ours(gen, ref, tst, args.workers, fcd=False)
    from pharmasynth.molgen import ChemNet, frechet_distance

    t0 = time.perf_counter()
    chemnet = ChemNet("cpu")
    fcd = frechet_distance(chemnet.statistics(tst), chemnet.statistics(res.molecules["smiles"].tolist()))
    t_fcd = time.perf_counter() - t0
    large = {"n_generated": len(gen), "n_reference": len(ref), "n_test": len(tst), "seconds_without_fcd": t_all,
             "fcd_seconds": t_fcd, "FCD/Test": fcd, "components": res.seconds,
             "metrics": res.metrics}
    out["large"] = large
    print(f"\n2. pharmasynth alone, {len(gen):,} generated / {len(ref):,} reference / {len(tst):,} test")
    for k, v in res.seconds.items():
        print(f"  {k:<40}{v:8.1f} s")
    print(f"  {'total without FCD':<40}{t_all:8.1f} s   (target < 60 s)")
    print(f"  {'FCD (generated + test), separately':<40}{t_fcd:8.1f} s")


if __name__ == "__main__":
    sys.exit(main())
