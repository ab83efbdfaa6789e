"""Covariate-adjusted RMST / survival at tau / log-rank on simulated trials with a known marginal
truth: coverage within 2 Monte-Carlo SE of 1 - alpha, type I error within 2 MC SE of alpha, a real
SE reduction - and the Cox HR with the same covariate gaining none (non-collapsibility)."""

import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss

from pharmasynth.trials.survival import (cox, logrank_adjusted, rmst_adjusted, rmst_rows, survival_at_tau_adjusted,
                                         survival_at_tau_rows)

BETA, LAM, TAU = 1.2, 0.1, 5.0


def _trial(n, gamma, seed):
    """Exponential times, hazard LAM exp(BETA x + gamma arm), x ~ N(0, 1); censoring U(2, 15)."""
    rng = np.random.default_rng(seed)
    arm, x = rng.integers(0, 2, n), rng.normal(size=n)
    t = rng.exponential(1 / (LAM * np.exp(BETA * x + gamma * arm)))
    c = rng.uniform(2, 15, n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm, "x": x})


def _truth(gamma):
    """Marginal RMST(TAU) and S(TAU) differences by Gauss-Hermite quadrature over x."""
    z, w = hermegauss(60)
    w = w / w.sum()
    grid = np.linspace(0, TAU, 4001)

    def surv(g):
        return (w[None, :] * np.exp(-LAM * np.exp(BETA * z[None, :] + g) * grid[:, None])).sum(axis=1)

    s1, s0 = surv(gamma), surv(0.0)
    return np.trapezoid(s1, grid) - np.trapezoid(s0, grid), s1[-1] - s0[-1]


def _within_2_mc_se(rate, target, n):
    return abs(rate - target) <= 2 * np.sqrt(target * (1 - target) / n)


def test_adjusted_rmst_and_survival_cover_the_marginal_truth_and_shrink_the_se():
    n_trials, gamma = 150, -0.5
    rmst_true, surv_true = _truth(gamma)
    hit_r, hit_s, ratio = [], [], []
    for k in range(n_trials):
        d = _trial(200, gamma, 1000 + k)
        r = rmst_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0]
        s = survival_at_tau_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0]
        hit_r.append(r.ci_low < rmst_true < r.ci_high)
        hit_s.append(s.ci_low < surv_true < s.ci_high)
        if k < 40:
            ratio.append(r.se / rmst_rows(d, "time", "event", "arm", TAU).iloc[0].se)
    assert _within_2_mc_se(np.mean(hit_r), 0.95, n_trials), np.mean(hit_r)
    assert _within_2_mc_se(np.mean(hit_s), 0.95, n_trials), np.mean(hit_s)
    assert np.mean(ratio) < 0.9          # a strong prognostic covariate: >10% smaller SE, same estimand


def test_type_one_error_of_adjusted_tests_at_alpha():
    n_trials = 200
    rej_lr, rej_rmst = [], []
    for k in range(n_trials):
        d = _trial(200, 0.0, 5000 + k)
        rej_lr.append(logrank_adjusted(d, "time", "event", "arm", "x").iloc[0].p_value < 0.05)
        rej_rmst.append(rmst_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0].p_value < 0.05)
    assert _within_2_mc_se(np.mean(rej_lr), 0.05, n_trials), np.mean(rej_lr)
    assert _within_2_mc_se(np.mean(rej_rmst), 0.05, n_trials), np.mean(rej_rmst)


def test_adjusted_log_rank_is_more_powerful_and_cox_adjustment_gains_no_precision():
    d = _trial(3000, -0.3, 7)
    lr = logrank_adjusted(d, "time", "event", "arm", "x").iloc[0]
    z_unadj = float(lr.notes.split("z unadjusted ")[1].split(";")[0])
    assert abs(lr.statistic) > 1.1 * abs(z_unadj)
    plain, adj = cox(d, "time", "event", "arm"), cox(d, "time", "event", "arm", ["x"])
    # conditional HR moves away from 1 (a different estimand) and its SE does not shrink
    assert abs(adj.row["log_hr"]) > abs(plain.row["log_hr"]) and adj.row["se"] >= 0.99 * plain.row["se"]
    s_adj = survival_at_tau_adjusted(d, "time", "event", "arm", "x", tau=TAU).iloc[0]
    s_un = survival_at_tau_rows(d, "time", "event", "arm", TAU).iloc[0]
    assert s_adj.se < 0.95 * s_un.se and abs(s_adj.effect - s_un.effect) < 3 * s_un.se
