"""Log-rank tests: plain (lifelines) and stratified (own; a sum of per-stratum observed-minus-expected
and hypergeometric variances, as in R's `survdiff(... + strata(s))`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ...errors import DataError
from ._inputs import arm_indicator, as_list, check_survival, result_row, rows_frame, strata_codes


def logrank(df: pd.DataFrame, time: str, event: str, group: str) -> pd.DataFrame:
    """Log-rank test of two groups (lifelines): statistic, p_value, events per group."""
    from lifelines.statistics import logrank_test

    t, e = check_survival(df, time, event, [group])
    labels = sorted(df[group].dropna().unique(), key=str)
    if len(labels) != 2:
        raise DataError(f"log-rank needs exactly 2 groups in {group!r}; found {labels}.")
    a, b = (df[group] == labels[0]).to_numpy(), (df[group] == labels[1]).to_numpy()
    r = logrank_test(t[a], t[b], e[a], e[b])
    return pd.DataFrame([{"test": "logrank", "group_a": labels[0], "group_b": labels[1],
                          "statistic": float(r.test_statistic), "p_value": float(r.p_value),
                          "events_a": int(e[a].sum()), "events_b": int(e[b].sum()), "n": int(a.sum() + b.sum())}])


def observed_minus_expected(t: np.ndarray, e: np.ndarray, arm: np.ndarray) -> tuple[float, float]:
    """O - E of the treated arm and its hypergeometric variance, over the distinct event times."""
    times = np.unique(t[e == 1])
    if len(times) == 0:
        return 0.0, 0.0
    order = np.sort(t)
    at_risk = len(t) - np.searchsorted(order, times, side="left")
    at_risk1 = int((arm == 1).sum()) - np.searchsorted(np.sort(t[arm == 1]), times, side="left")
    d = np.bincount(np.searchsorted(times, t[e == 1]), minlength=len(times))
    d1 = np.bincount(np.searchsorted(times, t[(e == 1) & (arm == 1)]), minlength=len(times))
    expected = d * at_risk1 / at_risk
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(at_risk > 1, d * (at_risk1 / at_risk) * (1 - at_risk1 / at_risk) * (at_risk - d) / (at_risk - 1), 0.0)
    return float(np.sum(d1 - expected)), float(np.sum(var))


def logrank_rows(df: pd.DataFrame, time: str, event: str, treatment: str, strata=None, *, alpha: float = 0.05,
                 treated=None, control=None) -> pd.DataFrame:
    """Log-rank test of treated vs control as a result row; with `strata`, the stratified test
    (method `logrank_stratified`). `effect` is the treated arm's observed - expected events."""
    strata = as_list(strata)
    t, e = check_survival(df, time, event, [treatment, *strata])
    arm = arm_indicator(df, treatment, treated, control)
    codes = strata_codes(df, strata)
    t, e = t.to_numpy(), e.to_numpy()
    oe = var = 0.0
    for s in np.unique(codes):
        m = codes == s
        o, v = observed_minus_expected(t[m], e[m], arm[m])
        oe, var = oe + o, var + v
    if var <= 0:
        raise DataError("the log-rank variance is 0 (no events where both arms are at risk); no test is possible.")
    chi2 = oe ** 2 / var
    method = "logrank_stratified" if strata else "logrank"
    return rows_frame([result_row(method, "equality of the survival curves (treated vs control"
                                  + (f", within strata of {strata})" if strata else ")"),
                                  alpha=alpha, n=len(t), events=int(e.sum()), effect=oe, se=np.sqrt(var),
                                  statistic=chi2, p_value=stats.chi2.sf(chi2, 1), strata=strata,
                                  notes="effect = observed - expected events in the treated arm; statistic = chi2 (1 df)")])
