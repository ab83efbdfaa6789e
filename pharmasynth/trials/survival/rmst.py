"""Unadjusted restricted mean survival time (RMST) per arm and its difference: lifelines'
`restricted_mean_survival_time` on Kaplan-Meier fits, with the Greenwood-type variance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._inputs import arm_indicator, check_survival, result_row, rows_frame
from .km import default_tau


def _rmst_with_variance(t: np.ndarray, e: np.ndarray, tau: float) -> tuple[float, float]:
    """Kaplan-Meier RMST up to ``tau`` and the Greenwood-type variance of the *estimator*
    (Klein & Moeschberger 2003, 4.5): Var = sum_{t_j <= tau} A_j^2 d_j / (Y_j (Y_j - d_j)),
    A_j = integral of S from t_j to tau. (lifelines' ``return_variance`` is the variance of
    min(T, tau) in the population, not of the estimate, so it cannot give a CI.)"""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    kmf = KaplanMeierFitter().fit(t, e)
    rmst = float(restricted_mean_survival_time(kmf, t=tau))
    et = kmf.event_table
    et = et[(et["observed"] > 0) & (et.index.to_numpy() <= tau)]
    tj = et.index.to_numpy(float)
    d = et["observed"].to_numpy(float)
    Y = et["at_risk"].to_numpy(float)
    S = np.cumprod(1 - d / Y)                      # S just after each event time
    widths = np.diff(np.r_[tj, tau])               # S(t_j) holds on [t_j, t_{j+1})
    A = np.cumsum((S * widths)[::-1])[::-1]        # integral of S from t_j to tau
    ok = Y > d
    var = float(np.sum(A[ok] ** 2 * d[ok] / (Y[ok] * (Y[ok] - d[ok]))))
    return rmst, var


def rmst_difference(df: pd.DataFrame, time: str, event: str, group: str, tau: float,
                    alpha: float = 0.05, treated=None, control=None) -> pd.DataFrame:
    """Restricted mean survival time up to ``tau`` per arm and their difference (treated - control).

    RMST from lifelines' ``restricted_mean_survival_time`` on a Kaplan-Meier fit; its SE from the
    Greenwood-type formula (see ``_rmst_with_variance``); the difference's CI and p-value are
    normal-theory with the arms independent.
    """
    t, e = check_survival(df, time, event, [group])
    ind = arm_indicator(df, group, treated, control)
    res = {name: _rmst_with_variance(t[mask].to_numpy(), e[mask].to_numpy(), tau)
           for name, mask in (("treated", ind == 1), ("control", ind == 0))}
    diff = res["treated"][0] - res["control"][0]
    se = float(np.sqrt(res["treated"][1] + res["control"][1]))
    z = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame([{"tau": tau, "rmst_treated": res["treated"][0], "rmst_control": res["control"][0],
                          "se_treated": float(np.sqrt(res["treated"][1])),
                          "se_control": float(np.sqrt(res["control"][1])),
                          "difference": diff, "se": se, "ci_low": diff - z * se, "ci_high": diff + z * se,
                          "p_value": float(2 * stats.norm.sf(abs(diff) / se))}])


def rmst_rows(df: pd.DataFrame, time: str, event: str, treatment: str, tau: float | None = None, *,
              alpha: float = 0.05, treated=None, control=None) -> pd.DataFrame:
    """The unadjusted RMST difference as an analysis row (method `rmst`); `tau` defaults to the
    smaller arm's last follow-up time (said so in `notes`)."""
    t, e = check_survival(df, time, event, [treatment])
    arm = arm_indicator(df, treatment, treated, control)
    note = ""
    if tau is None:
        tau = default_tau(t.to_numpy(), arm)
        note = "tau = the smaller arm's last follow-up time (default); "
    r = rmst_difference(df, time, event, treatment, tau, alpha=alpha, treated=treated, control=control).iloc[0]
    return rows_frame([result_row("rmst", f"difference in restricted mean survival time up to tau={tau:g} "
                                  "(treated - control)", alpha=alpha, n=len(t), events=int(e.sum()),
                                  effect=r["difference"], se=r["se"], ci_low=r["ci_low"], ci_high=r["ci_high"],
                                  p_value=r["p_value"], statistic=r["difference"] / r["se"], tau=tau,
                                  notes=note + f"RMST treated {r['rmst_treated']:.4g}, control {r['rmst_control']:.4g}")])


def survival_at_tau_rows(df: pd.DataFrame, time: str, event: str, treatment: str, tau: float, *,
                         alpha: float = 0.05, treated=None, control=None) -> pd.DataFrame:
    """Unadjusted difference in Kaplan-Meier survival at `tau` with Greenwood SEs (method
    `survival_at_tau`)."""
    from lifelines import KaplanMeierFitter

    t, e = check_survival(df, time, event, [treatment])
    arm = arm_indicator(df, treatment, treated, control)
    parts = {}
    for a in (1, 0):
        m = arm == a
        kmf = KaplanMeierFitter().fit(t[m], e[m])
        et = kmf.event_table
        et = et[(et.index.to_numpy() <= tau) & (et["observed"] > 0)]
        d, Y = et["observed"].to_numpy(float), et["at_risk"].to_numpy(float)
        s = float(np.prod(1 - d / Y))
        with np.errstate(divide="ignore"):
            g = np.sum(np.where(Y > d, d / (Y * (Y - d)), 0.0))
        parts[a] = (s, s * s * g)
    diff = parts[1][0] - parts[0][0]
    se = float(np.sqrt(parts[1][1] + parts[0][1]))
    z = stats.norm.ppf(1 - alpha / 2)
    return rows_frame([result_row("survival_at_tau", f"difference in survival probability at tau={tau:g} "
                                  "(treated - control)", alpha=alpha, n=len(t), events=int(e.sum()), effect=diff,
                                  se=se, ci_low=diff - z * se, ci_high=diff + z * se,
                                  p_value=2 * stats.norm.sf(abs(diff / se)), statistic=diff / se, tau=tau,
                                  notes=f"Kaplan-Meier, Greenwood SE; S(tau) treated {parts[1][0]:.4g}, "
                                  f"control {parts[0][0]:.4g}")])
