"""Benchmark: 10,000 simulated trials x 2 arms x 200 patients per arm, analysed with PROCOVA.

Side by side, on the same simulated data:
  * vectorised: `simulate_trials` end to end (draw from the twin + batched HC3 least squares),
    and the analysis step alone (`analyse_stack` on the 10,000-trial stack);
  * a plain loop: `statsmodels.OLS(y, X).fit(cov_type="HC3", use_t=True)` per trial on a subset
    (200 trials), timed per trial and reported as a ratio.
Also the type I error of PROCOVA (effect 0) with its Monte Carlo SE, and that the two agree to 1e-8
on the subset.

The twin: the package's DigitalTwin(model="linear") fitted on a random half of ACTG 175's
ZDV-only patients (as in the trials demo). Medians of --repeats runs.

    python benchmarks/bench_trial_simulation.py --quick
    python benchmarks/bench_trial_simulation.py            # 10,000 trials, 3 repeats
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from pharmasynth.trials import ACTG175_BASELINE, DigitalTwin, analyse_stack, draw_trials, load_actg175, simulate_trials
from results_file import write_results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 trials, 1 repeat, 50-trial statsmodels subset")
    ap.add_argument("--n-trials", type=int)
    ap.add_argument("--n-per-arm", type=int, default=200)
    ap.add_argument("--subset", type=int, help="trials in the statsmodels loop (default 200)")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--out", default="benchmarks/results/trial_simulation.json")
    args = ap.parse_args(argv)
    n_trials = args.n_trials or (2000 if args.quick else 10_000)
    subset = args.subset or (50 if args.quick else 200)
    repeats = args.repeats or (1 if args.quick else 3)

    df = load_actg175()
    ctrl = df[df["arms"] == 0]
    hist = ctrl.iloc[np.random.default_rng(0).permutation(len(ctrl))[: len(ctrl) // 2]]
    twin = DigitalTwin(baseline=list(ACTG175_BASELINE), visits=["cd420", "cd496"], time="days", event="cens",
                       model="linear", random_state=0).fit(hist)
    twin_kind = "DigitalTwin(model='linear')"
    pool = df[list(ACTG175_BASELINE)].dropna().reset_index(drop=True)

    end_to_end, analysis_only = [], []
    res = None
    for r in range(repeats):
        t0 = time.perf_counter()
        res = simulate_trials(twin, pool, n_per_arm=args.n_per_arm, effect=0.0, n_trials=n_trials,
                              designs=("procova",), outcome="cd420", random_state=r, keep_estimates=False)
        end_to_end.append(time.perf_counter() - t0)
    stack = draw_trials(twin, pool, n_trials, args.n_per_arm, outcome="cd420", random_state=123)
    for _ in range(repeats):
        t0 = time.perf_counter()
        batched = analyse_stack(stack, designs=("procova",))
        analysis_only.append(time.perf_counter() - t0)

    import statsmodels.api as sm

    X, y = stack.design_arrays("procova")
    loop = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ests = []
        for b in range(subset):  # the same outputs as the vectorised path: estimate, SE, CI, p
            fit = sm.OLS(y[b], X[b]).fit(cov_type="HC3", use_t=True)
            fit.bse, fit.conf_int(), fit.pvalues
            ests.append(fit)
        loop.append(time.perf_counter() - t0)
    max_diff = max(max(abs(f.params[1] - batched["procova"]["estimate"][b]),
                       abs(f.bse[1] - batched["procova"]["se"][b])) for b, f in enumerate(ests))

    e2e, ana, lp = statistics.median(end_to_end), statistics.median(analysis_only), statistics.median(loop)
    per_vec_e2e, per_vec_ana, per_sm = e2e / n_trials, ana / n_trials, lp / subset
    row = res.summary().loc["procova"]
    out = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]},
        "twin": twin_kind, "n_trials": n_trials, "n_per_arm": args.n_per_arm, "repeats": repeats,
        "vectorised_end_to_end_s": e2e, "vectorised_analysis_only_s": ana,
        "statsmodels_loop_subset": subset, "statsmodels_loop_s": lp,
        "per_trial_ms": {"vectorised_end_to_end": 1e3 * per_vec_e2e, "vectorised_analysis": 1e3 * per_vec_ana,
                         "statsmodels_loop": 1e3 * per_sm},
        "speed_ratio_analysis": per_sm / per_vec_ana,
        "speed_ratio_end_to_end_vs_statsmodels_analysis_only": per_sm / per_vec_e2e,
        "statsmodels_extrapolated_10k_s": per_sm * n_trials,
        "max_abs_diff_vs_statsmodels": max_diff,
        "target_s": 60.0, "meets_target": e2e < 60.0,
        "type_one_error_procova": float(row["rejection_rate"]), "type_one_error_mc_se": float(row["mc_se"]),
        "raw_s": {"end_to_end": end_to_end, "analysis_only": analysis_only, "statsmodels_loop": loop},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_results(args.out, out)
    print(f"trial simulation: {n_trials} trials x 2 arms x {args.n_per_arm} patients, PROCOVA, twin = {twin_kind}")
    print(f"{'':38s}{'seconds':>10s}{'ms/trial':>10s}")
    print(f"{'vectorised, draw + analysis':38s}{e2e:10.2f}{1e3 * per_vec_e2e:10.3f}")
    print(f"{'vectorised, analysis only':38s}{ana:10.2f}{1e3 * per_vec_ana:10.3f}")
    print(f"{'statsmodels OLS loop (' + str(subset) + ' trials)':38s}{lp:10.2f}{1e3 * per_sm:10.3f}")
    print(f"speed ratio (per trial, analysis): {out['speed_ratio_analysis']:.0f}x; end-to-end vs statsmodels "
          f"analysis alone: {out['speed_ratio_end_to_end_vs_statsmodels_analysis_only']:.0f}x; "
          f"max |diff| vs statsmodels {max_diff:.1e}")
    print(f"type I error (PROCOVA): {row['rejection_rate']:.4f} +- {row['mc_se']:.4f} (MC SE); "
          f"target < 60 s: {'met' if e2e < 60 else 'NOT met'}; load {os.getloadavg()[0]:.2f}")
    print(f"written {args.out}")
    return out


if __name__ == "__main__":
    main()
