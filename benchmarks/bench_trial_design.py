"""Benchmark: 10,000 simulated survival trials x 2 arms x 300 patients per arm, 3 event-driven looks,
a log-rank test at each look.

Side by side, on the same simulated trials:
  * vectorised: `draw_survival_trials` + `run_looks` (all trials of a chunk analysed at once, one
    sort per look), end to end (drawing included);
  * a plain loop: per trial and per look, censor the data at the look and call lifelines'
    `logrank_test` - on a subset of trials (default 300; extrapolated per trial to 10,000), as
    10,000 x 3 lifelines calls would take long.
The two give identical statistics (checked on the subset: z^2 == lifelines' test statistic to 1e-9).
Runs alternate A B A B; the reported ratio is the median of the pairwise per-trial ratios.

The design: HR 0.7, two-sided 0.05, power 0.9, O'Brien-Fleming-type spending, 3 looks,
exponential control arm (median 12 months), 600 patients accrued over 24 months.

    python benchmarks/bench_trial_design.py --quick
    python benchmarks/bench_trial_design.py            # 10,000 trials, 3 repeats
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from pharmasynth.trials.design_simulation import design_plan
from pharmasynth.trials.design_workflows import design_trial
from pharmasynth.trials.survival_simulation import draw_survival_trials, run_looks
from results_file import write_results


def vectorised(plan, hazard, n_trials, seed, chunk=500):
    out = []
    for i, start in enumerate(range(0, n_trials, chunk)):
        b = min(chunk, n_trials - start)
        st = draw_survival_trials(hazard, b, plan["n_control"], plan["n_treated"], hr=0.7,
                                  accrual_duration=plan["accrual_duration"], random_state=seed * 1000 + i)
        cols = np.arange(plan["n_control"] + plan["n_treated"])
        out.append((st, run_looks(st, cols, plan["events_at"], plan["upper"], None, plan["sided"], -1.0)))
    return out


def lifelines_loop(stack, res, n):
    """Per trial, per look: the patients entered by the look, censored there, lifelines' log-rank."""
    from lifelines.statistics import logrank_test

    stats_ = np.empty((n, res["time"].shape[1]))
    for b in range(n):
        for k in range(res["time"].shape[1]):
            follow = res["time"][b, k] - stack.entry[b]
            present = follow > 0
            t = np.minimum(np.minimum(stack.event_time[b], stack.dropout_time[b]), follow)[present]
            e = (stack.event_time[b] <= np.minimum(stack.dropout_time[b], follow))[present]
            tr = stack.treated[present]
            stats_[b, k] = logrank_test(t[tr], t[~tr], e[tr], e[~tr]).test_statistic
    return stats_


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 trials, 1 repeat, 60-trial lifelines subset")
    ap.add_argument("--n-trials", type=int, help="vectorised trials (default 10000; quick 2000)")
    ap.add_argument("--subset", type=int, help="trials in the lifelines loop (default 300; quick 60)")
    ap.add_argument("--repeats", type=int, help="A B pairs (default 3; quick 1)")
    ap.add_argument("--out", default="benchmarks/results/trial_design.json", help="JSON results file")
    args = ap.parse_args(argv)
    n_trials = args.n_trials or (2000 if args.quick else 10_000)
    subset = args.subset or (60 if args.quick else 300)
    repeats = args.repeats or (1 if args.quick else 3)

    design = design_trial("survival", hr=0.7, alpha=0.05, sided=2, power=0.9, looks=3, spending="obf",
                          control_median=12, patients=600, accrual_duration=24)
    plan = design_plan(design)
    hazard = design.hazard
    vec_times, loop_times, ratios, max_diff, power = [], [], [], 0.0, None
    for r in range(repeats):
        t0 = time.perf_counter()
        parts = vectorised(plan, hazard, n_trials, seed=r)
        tv = time.perf_counter() - t0
        eff = np.concatenate([p[1]["logrank"]["efficacy"] for p in parts])
        power = float(eff.mean())
        stack, res = parts[0]
        t0 = time.perf_counter()
        ref = lifelines_loop(stack, res, subset)
        tl = time.perf_counter() - t0
        max_diff = max(max_diff, float(np.max(np.abs(res["logrank"]["z"][:subset] ** 2 - ref) / np.maximum(ref, 1e-12))))
        vec_times.append(tv)
        loop_times.append(tl)
        ratios.append((tl / subset) / (tv / n_trials))
    per_trial_vec = statistics.median(vec_times) / n_trials
    per_trial_loop = statistics.median(loop_times) / subset
    result = {
        "benchmark": "trial_design", "n_trials": n_trials, "patients_per_arm": plan["n_control"], "looks": 3,
        "events_at_looks": plan["events_at"].tolist(), "repeats": repeats, "lifelines_subset": subset,
        "vectorised_seconds_median": statistics.median(vec_times),
        "vectorised_per_trial_ms": 1e3 * per_trial_vec,
        "lifelines_per_trial_ms": 1e3 * per_trial_loop,
        "lifelines_extrapolated_seconds": per_trial_loop * n_trials,
        "speedup_median_of_pairwise_ratios": statistics.median(ratios),
        "max_relative_difference_of_statistics": max_diff,
        "simulated_power": power, "design_power": design.design["power_at_design"],
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }
    print(f"{'':34s}{'seconds':>12s}{'ms / trial':>12s}")
    print(f"{'vectorised (' + str(n_trials) + ' trials)':34s}{statistics.median(vec_times):12.2f}"
          f"{1e3 * per_trial_vec:12.3f}")
    print(f"{'lifelines loop (' + str(subset) + ' trials)':34s}{statistics.median(loop_times):12.2f}"
          f"{1e3 * per_trial_loop:12.3f}")
    print(f"lifelines extrapolated to {n_trials} trials: {per_trial_loop * n_trials:.0f} s")
    print(f"speed-up (median of {repeats} pairwise ratios): {statistics.median(ratios):.0f}x; "
          f"max relative difference of the statistics: {max_diff:.1e}")
    print(f"simulated power {power:.4f} (design {design.design['power_at_design']:.4f})")
    write_results(args.out, result)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
