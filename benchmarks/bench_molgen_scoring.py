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
  1. side by side at --compare-size (default 10,000 generated / 10,000 reference / 2,000 test):
     MOSES get_all_metrics (n_jobs=2) vs score_library (2 worker processes), values and times;
  2. pharmasynth alone at --size (default 100,000 / 100,000, test 10,000), time per component.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
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
gen, ref, test = (open(p).read().split("\n") for p in sys.argv[1:4])
gen = [g for g in gen[:-1]]
ref, test = [r for r in ref if r], [t for t in test if t]
t = time.perf_counter()
m = get_all_metrics(gen, k=[1000, 10000], n_jobs=2, device="cpu", test=test, test_scaffolds=test, train=ref)
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
            return read("train"), read("test"), "molsets wheel data (" + str(base) + ")"
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"MOSES environment not usable ({exc}); using the shipped subset")

    def read_shipped(name):
        with gzip.open(ROOT / "data" / "moses" / f"{name}.smi.gz", "rt") as fh:
            return [ln.split()[0] for ln in fh if ln.strip()]
    return read_shipped("train"), read_shipped("test") + read_shipped("test_scaffolds"), "shipped data/moses subset"


def make_inputs(train, test, n_gen, n_ref, n_test, seed=0):
    rng = random.Random(seed)
    n_novel = int(0.9 * n_gen)
    gen = test[:n_novel] + train[: n_gen - n_novel - n_gen // 100]
    gen += [s[: len(s) // 2] + "(" for s in test[n_novel: n_novel + n_gen // 100]]   # 1 % broken
    rng.shuffle(gen)
    test_set = test[n_novel + n_gen // 100: n_novel + n_gen // 100 + n_test]
    reference = train[:n_ref]
    return gen, reference, test_set


def run_ours(gen, ref, test, workers, fcd, test_scaffolds=True):
    from pharmasynth.molgen import score_library

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if workers > 1:
            from dask.distributed import Client, LocalCluster

            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
                    Client(c):
                t = time.perf_counter()
                res = score_library(gen, reference=ref, test=test, test_scaffolds=test if test_scaffolds else None,
                                    fcd=fcd, client=c)
                return res, time.perf_counter() - t
        t = time.perf_counter()
        res = score_library(gen, reference=ref, test=test, test_scaffolds=test if test_scaffolds else None, fcd=fcd)
        return res, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moses-python", help="python of an environment with molsets (MOSES) installed")
    ap.add_argument("--size", type=int, default=100_000, help="generated = reference size for part 2")
    ap.add_argument("--test-size", type=int, default=10_000)
    ap.add_argument("--compare-size", type=int, default=10_000)
    ap.add_argument("--compare-test-size", type=int, default=2_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="2,000 / 2,000 / 500, both parts")
    ap.add_argument("--skip-large", action="store_true", help="only the side-by-side part")
    ap.add_argument("--skip-compare", action="store_true",
                    help="only the large part (the side-by-side result already in the JSON is kept)")
    ap.add_argument("--out", help="result JSON (default: benchmarks/results/molgen_scoring[_quick].json)")
    args = ap.parse_args()
    if args.quick:
        args.size, args.test_size, args.compare_size, args.compare_test_size = 2000, 500, 2000, 500
    train, test, source = moses_data(args.moses_python)
    result_file = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / (
        "molgen_scoring_quick.json" if args.quick else "molgen_scoring.json")
    out = {"source": source, "cpu_count": os.cpu_count(), "workers": args.workers}
    if args.skip_compare and result_file.is_file():  # keep the earlier side-by-side run
        out = {**json.loads(result_file.read_text()), **out}

    # ---- 1. side by side with MOSES -------------------------------------------------------
    if not args.skip_compare:
        side_by_side(args, train, test, source, out)
    # ---- 2. pharmasynth at the claimed size -------------------------------------------------
    if not args.skip_large:
        large_run(args, train, test, out)
    out["load_average"] = os.getloadavg()
    write_results(result_file, out, indent=1)
    return 0




def side_by_side(args, train, test, source, out):
    gen, ref, tst = make_inputs(train, test, args.compare_size, args.compare_size, args.compare_test_size)
    ours, t_ours = run_ours(gen, ref, tst, args.workers, fcd=True)
    side = {"n_generated": len(gen), "n_reference": len(ref), "n_test": len(tst), "pharmasynth_seconds": t_ours,
            "pharmasynth_components": ours.seconds, "pharmasynth": ours.metrics}
    if args.moses_python:
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for name, data in (("gen", gen), ("ref", ref), ("test", tst)):
                p = Path(d) / f"{name}.txt"
                p.write_text("\n".join(data) + "\n")
                paths.append(str(p))
            script = Path(d) / "run_moses.py"
            script.write_text(MOSES_SCRIPT)
            proc = subprocess.run([args.moses_python, str(script), *paths], capture_output=True, text=True)
        if proc.returncode == 0:
            moses = json.loads(proc.stdout.strip().splitlines()[-1])
            side["moses_seconds"] = moses["seconds"]
            side["moses"] = moses["metrics"]
            side["ratio"] = moses["seconds"] / t_ours
            diffs = {k: abs(v - ours.metrics[k]) for k, v in moses["metrics"].items()
                     if k in ours.metrics and v == v and ours.metrics[k] == ours.metrics[k]}
            side["max_abs_difference"] = max(diffs.values())
            side["max_abs_difference_metric"] = max(diffs, key=diffs.get)
        else:
            print("MOSES run failed:", proc.stderr[-2000:])
    else:
        print("MOSES not given (--moses-python): side-by-side part runs pharmasynth only")
    out["side_by_side"] = side
    print(f"\n1. side by side, {len(gen):,} generated / {len(ref):,} reference / {len(tst):,} test ({source})")
    print(f"{'metric':<14}{'MOSES':>12}{'pharmasynth':>13}")
    for k, v in ours.metrics.items():
        if k in side.get("moses", {}):
            print(f"{k:<14}{side['moses'][k]:12.5f}{v:13.5f}")
    if "moses_seconds" in side:
        print(f"{'seconds':<14}{side['moses_seconds']:12.1f}{t_ours:13.1f}   ratio {side['ratio']:.1f}x "
              f"(target >= 10x); largest |difference| {side['max_abs_difference']:.1e} "
              f"({side['max_abs_difference_metric']})")



def large_run(args, train, test, out):
    gen, ref, tst = make_inputs(train, test, args.size, args.size, args.test_size)
    res, t_all = run_ours(gen, ref, tst, args.workers, fcd=False, test_scaffolds=False)
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
