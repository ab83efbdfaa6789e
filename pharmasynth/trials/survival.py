"""Time to event in a two-arm trial (lifelines underneath; every function returns a DataFrame).

km_curves                  Kaplan-Meier survival with pointwise CIs, per group (long format)
logrank                    the log-rank test of two groups
cox_with_prognostic_score  Cox model on treatment + a prognostic score (e.g. the twin's risk score)
rmst_difference            restricted mean survival time per arm and their difference, with a CI
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from .analysis import _complete_rows, _covariate_matrix, _numeric, _require_columns, treatment_indicator


def _check_survival(df, time, event, cols=()):
    _require_columns(df, [time, event, *cols])
    t = _numeric(df, time)
    e = _numeric(df, event)
    if t.isna().any():
        row = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise DataError(f"event time column {time!r} is missing at row {row}; every patient needs a time "
                        "(censor at the last contact date).")
    if (t < 0).any():
        row = int(np.flatnonzero((t < 0).to_numpy())[0])
        raise DataError(f"event time column {time!r} is negative at row {row} ({t.iloc[row]}); times must be >= 0.")
    if not e.dropna().isin([0, 1]).all() or e.isna().any():
        raise DataError(f"event column {event!r} must be 0 (censored) or 1 (event) on every row.")
    return t, e


def km_curves(df: pd.DataFrame, time: str, event: str, group: str | None = None,
              alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier survival with pointwise CIs, long format: group, time, survival, ci_low, ci_high, at_risk."""
    from lifelines import KaplanMeierFitter

    t, e = _check_survival(df, time, event, [group] if group else [])
    groups = [(None, np.ones(len(df), bool))] if group is None else \
        [(g, (df[group] == g).to_numpy()) for g in sorted(df[group].dropna().unique(), key=str)]
    out = []
    for g, mask in groups:
        kmf = KaplanMeierFitter(alpha=alpha).fit(t[mask], e[mask], label=str(g))
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_
        out.append(pd.DataFrame({"group": g if g is not None else "all", "time": sf.index.to_numpy(),
                                 "survival": sf.to_numpy(), "ci_low": ci.iloc[:, 0].to_numpy(),
                                 "ci_high": ci.iloc[:, 1].to_numpy(),
                                 "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def logrank(df: pd.DataFrame, time: str, event: str, group: str) -> pd.DataFrame:
    """Log-rank test of two groups: statistic, p_value, events per group."""
    from lifelines.statistics import logrank_test

    t, e = _check_survival(df, time, event, [group])
    labels = sorted(df[group].dropna().unique(), key=str)
    if len(labels) != 2:
        raise DataError(f"log-rank needs exactly 2 groups in {group!r}; found {labels}.")
    a, b = (df[group] == labels[0]).to_numpy(), (df[group] == labels[1]).to_numpy()
    r = logrank_test(t[a], t[b], e[a], e[b])
    return pd.DataFrame([{"test": "logrank", "group_a": labels[0], "group_b": labels[1],
                          "statistic": float(r.test_statistic), "p_value": float(r.p_value),
                          "events_a": int(e[a].sum()), "events_b": int(e[b].sum()), "n": int(a.sum() + b.sum())}])


def cox_with_prognostic_score(df: pd.DataFrame, time: str, event: str, treatment: str, score=None,
                              covariates=None, alpha: float = 0.05, treated=None, control=None) -> pd.DataFrame:
    """Cox model of the hazard on treatment (+ a prognostic score, e.g. the twin's risk score).

    ``score`` is a column name, an array/Series aligned with ``df``, or None (treatment only).
    Returns one row per term: log_hr, se, hazard_ratio, hr_ci_low, hr_ci_high, p_value (lifelines).
    """
    from lifelines import CoxPHFitter

    covariates = [] if covariates is None else list(covariates)
    t, e = _check_survival(df, time, event, [treatment] + covariates)
    frame = pd.DataFrame({"__time__": t.to_numpy(), "__event__": e.to_numpy(),
                          treatment: treatment_indicator(df[treatment], treated, control)}, index=df.index)
    if score is not None:
        frame["prognostic_score"] = (_numeric(df, score).to_numpy() if isinstance(score, str)
                                     else np.asarray(score, float).reshape(-1))
    if covariates:
        frame = pd.concat([frame, _covariate_matrix(df, covariates)], axis=1)
    ok = _complete_rows(frame, "Cox model")
    cph = CoxPHFitter(alpha=alpha).fit(frame[ok], duration_col="__time__", event_col="__event__")
    s = cph.summary
    lo_col = [c for c in s.columns if c.startswith("exp(coef) lower")][0]
    hi_col = [c for c in s.columns if c.startswith("exp(coef) upper")][0]
    out = pd.DataFrame({"log_hr": s["coef"], "se": s["se(coef)"], "hazard_ratio": s["exp(coef)"],
                        "hr_ci_low": s[lo_col], "hr_ci_high": s[hi_col], "p_value": s["p"]})
    out.index.name = "term"
    out.attrs["concordance"] = float(cph.concordance_index_)
    out.attrs["n"] = int(ok.sum())
    return out


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
    t, e = _check_survival(df, time, event, [group])
    ind = treatment_indicator(df[group], treated, control)
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
