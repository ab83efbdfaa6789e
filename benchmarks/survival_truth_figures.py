"""Coverage and type I error of the covariate-adjusted survival estimators (issue 12), and coverage
of a synthetic control arm's combined draws vs stacked draws, on more simulated trials than the
tests use (the same simulators as tests/trials/test_survival_adjusted.py and test_multiple_draws.py).

    .venv/bin/python benchmarks/survival_truth_figures.py 1000     # ~10 min on 2 cores
    .venv/bin/python benchmarks/survival_truth_figures.py 100      # --quick-sized

Prints the figures and writes benchmarks/results/survival_truth_figures.json.
"""
import sys
from pathlib import Path
import warnings

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "trials"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_multiple_draws import _world  # noqa: E402
from test_survival_adjusted import TAU, _trial, _truth  # noqa: E402

from results_file import write_results  # noqa: E402

from pharmasynth.trials.multiple_draws import synthetic_control_effect  # noqa: E402
from pharmasynth.trials.survival import (logrank_adjusted, logrank_rows, rmst_adjusted, rmst_rows,  # noqa: E402
                                         survival_at_tau_adjusted, survival_at_tau_rows)

warnings.simplefilter("ignore")
N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--quick" else (100 if "--quick" in sys.argv else 1000)
mc = lambda p: 2 * np.sqrt(p * (1 - p) / N)  # noqa: E731
rt, st = _truth(-0.5)
acc = {k: [] for k in ("rmst_adj", "rmst", "surv_adj", "surv", "se_ratio_rmst", "se_ratio_surv")}
for k in range(N):
    d = _trial(200, -0.5, 100000 + k)
    a, u = rmst_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0], rmst_rows(d, "time", "event", "arm", TAU).iloc[0]
    b, v = survival_at_tau_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0], survival_at_tau_rows(d, "time", "event", "arm", TAU).iloc[0]
    acc["rmst_adj"].append(a.ci_low < rt < a.ci_high); acc["rmst"].append(u.ci_low < rt < u.ci_high)
    acc["surv_adj"].append(b.ci_low < st < b.ci_high); acc["surv"].append(v.ci_low < st < v.ci_high)
    acc["se_ratio_rmst"].append(a.se / u.se); acc["se_ratio_surv"].append(b.se / v.se)
print(f"coverage of 95% CIs, {N} trials (n=200, HR exp(-0.5), strong covariate), 2 MC SE = {mc(0.95):.4f}")
for k in ("rmst_adj", "rmst", "surv_adj", "surv"):
    print(f"  {k:10s} {np.mean(acc[k]):.4f}")
print(f"  mean SE ratio adjusted/unadjusted: RMST {np.mean(acc['se_ratio_rmst']):.3f}, S(tau) {np.mean(acc['se_ratio_surv']):.3f}")
rej = {k: [] for k in ("logrank_adj", "logrank", "rmst_adj", "surv_adj")}
for k in range(N):
    d = _trial(200, 0.0, 200000 + k)
    rej["logrank_adj"].append(logrank_adjusted(d, "time", "event", "arm", "x").iloc[0].p_value < 0.05)
    rej["logrank"].append(logrank_rows(d, "time", "event", "arm").iloc[0].p_value < 0.05)
    rej["rmst_adj"].append(rmst_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0].p_value < 0.05)
    rej["surv_adj"].append(survival_at_tau_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0].p_value < 0.05)
print(f"type I error at alpha 0.05, {N} null trials, 2 MC SE = {mc(0.05):.4f}")
for k, v in rej.items():
    print(f"  {k:12s} {np.mean(v):.4f}")
M = max(N // 4, 100)
hits = {"synthetic_combined": [], "stacked_naive": []}
for rep in range(M):
    twin, trt = _world(50000 + rep)
    r = synthetic_control_effect(twin, trt, "y", n_draws=20, random_state=rep).set_index("method")
    for m in hits:
        hits[m].append(r.loc[m, "ci_low"] < 1.0 < r.loc[m, "ci_high"])
print(f"synthetic control, 20 draws, {M} worlds (60 historical, 100 treated), 2 MC SE = {2 * np.sqrt(.95 * .05 / M):.4f}")
for m, v in hits.items():
    print(f"  {m:20s} {np.mean(v):.4f}")

write_results(Path(__file__).resolve().parent / "results" / "survival_truth_figures.json", {
    "n_trials": N, "coverage_95": {k: float(np.mean(acc[k])) for k in ("rmst_adj", "rmst", "surv_adj", "surv")},
    "mean_se_ratio": {"rmst": float(np.mean(acc["se_ratio_rmst"])), "survival_at_tau": float(np.mean(acc["se_ratio_surv"]))},
    "type_one_error_at_0.05": {k: float(np.mean(v)) for k, v in rej.items()},
    "synthetic_control_coverage_20_draws": {"worlds": M, **{m: float(np.mean(v)) for m, v in hits.items()}},
})
