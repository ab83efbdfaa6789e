"""Every time-to-event analysis of a two-arm trial, as rows of one table (what `analyze_trial` and
`pharmasynth trials analyze --time --event` run):

    cox, cox_adjusted (covariates), cox_score (+ a prognostic score), cox_stratified  (each with its PH test)
    logrank, logrank_stratified, logrank_adjusted
    rmst, rmst_adjusted, survival_at_tau, survival_at_tau_adjusted             (at one stated tau)

Every interval is at 1 - alpha. The warnings met (lifelines convergence, PH rejected) are kept in
`SurvivalAnalyses.warnings` and shown in the report, not only on stderr.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataWarning
from .survival import (cox, default_tau, km_curves, logrank_adjusted, logrank_rows, rmst_adjusted, rmst_rows,
                       survival_at_tau_adjusted, survival_at_tau_rows)
from .survival._inputs import arm_indicator, as_list, check_survival, rows_frame

# which unadjusted estimator an adjusted one is compared with (SE ratio)
REFERENCE = {"cox_adjusted": "cox", "cox_score": "cox", "cox_stratified": "cox", "logrank_stratified": "logrank",
             "logrank_adjusted": "logrank", "rmst_adjusted": "rmst", "survival_at_tau_adjusted": "survival_at_tau"}


@dataclass
class SurvivalAnalyses:
    rows: pd.DataFrame
    km: pd.DataFrame
    cox_fits: dict
    tau: float
    warnings: list = field(default_factory=list)


def survival_analyses(trial: pd.DataFrame, *, time: str, event: str, treatment: str, covariates=(), strata=(),
                      score=None, tau: float | None = None, alpha: float = 0.05, ties: str = "efron",
                      robust: bool = False, treated=None, control=None, source: str = "") -> SurvivalAnalyses:
    """All the analyses above that the inputs allow (adjusted ones need `covariates` or `score`)."""
    covariates, strata = as_list(covariates), as_list(strata)
    arms = {"treated": treated, "control": control}
    t, _ = check_survival(trial, time, event, [treatment], source)
    tau_default = tau is None
    if tau_default:
        tau = default_tau(t.to_numpy(), arm_indicator(trial, treatment, treated, control))
    common = {"alpha": alpha, **arms}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fits = {"cox": cox(trial, time, event, treatment, ties=ties, robust=robust, source=source, **common)}
        if covariates:
            fits["cox_adjusted"] = cox(trial, time, event, treatment, covariates, ties=ties, robust=robust,
                                       source=source, **common)
        if score is not None:
            fits["cox_score"] = cox(trial, time, event, treatment, covariates, score=score, ties=ties, robust=robust,
                                    source=source, **common)
        if strata:
            fits["cox_stratified"] = cox(trial, time, event, treatment, covariates, strata, ties=ties,
                                         robust=robust, source=source, **common)
        parts = [rows_frame([f.row for f in fits.values()]), logrank_rows(trial, time, event, treatment, **common)]
        if strata:
            parts.append(logrank_rows(trial, time, event, treatment, strata, **common))
        adjusted = bool(covariates) or score is not None
        if adjusted:
            parts.append(logrank_adjusted(trial, time, event, treatment, covariates, score, source=source, **common))
        parts.append(rmst_rows(trial, time, event, treatment, tau, **common))
        if adjusted:
            parts.append(rmst_adjusted(trial, time, event, treatment, covariates, score, tau, source=source, **common))
        parts.append(survival_at_tau_rows(trial, time, event, treatment, tau, **common))
        if adjusted:
            parts.append(survival_at_tau_adjusted(trial, time, event, treatment, covariates, score, tau,
                                                  source=source, **common))
    rows = pd.concat(parts, ignore_index=True)
    if tau_default:
        rows.loc[rows["method"].str.startswith(("rmst", "survival_at_tau")), "notes"] = rows["notes"].where(
            rows["notes"].str.startswith("tau ="), "tau = the smaller arm's last follow-up time (default); " + rows["notes"])
    rows["se_ratio"] = [_se_ratio(rows, r) for _, r in rows.iterrows()]
    msgs = []
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, FutureWarning)):
            continue
        text = str(w.message)
        if text not in msgs:
            msgs.append(text)
            warnings.warn(text, w.category if issubclass(w.category, Warning) else DataWarning, stacklevel=2)
    for name, f in fits.items():
        if not f.ph_test.empty and f.ph_test.loc["GLOBAL", "p_value"] < alpha:
            msgs.append(f"{name}: proportional hazards rejected (global scaled-Schoenfeld p = "
                        f"{f.ph_test.loc['GLOBAL', 'p_value']:.3g}); read the HR as a time-averaged summary and "
                        "prefer the RMST / survival-at-tau estimands.")
    km = km_curves(trial, time, event, treatment, alpha=alpha)
    return SurvivalAnalyses(rows, km, fits, float(tau), msgs)


def _se_ratio(rows: pd.DataFrame, r) -> float:
    """SE of an adjusted estimator / SE of its unadjusted counterpart (log-rank tests: none)."""
    if r["method"].startswith("logrank"):
        return float("nan")
    if r["method"] in REFERENCE.values():
        return 1.0
    base = rows.loc[rows["method"] == REFERENCE.get(r["method"], ""), "se"]
    return float(r["se"] / base.iloc[0]) if len(base) else float("nan")
