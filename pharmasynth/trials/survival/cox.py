"""Cox proportional-hazards model of a two-arm trial: covariates, strata, Efron or Breslow ties,
model-based or robust (sandwich) SE, and the scaled-Schoenfeld proportional-hazards test beside it.

Efron ties: lifelines' CoxPHFitter (strata=, robust=). Breslow ties: statsmodels' PHReg (strata=,
robust covariance via one cluster per patient). Nothing degenerate is returned as a result:
the design is checked first (`design_matrix.check_design_matrix`), an arm without events is an
error (monotone likelihood: the HR is 0 or infinite), so is a term with |log HR| > 15 or a
non-finite SE after the fit, and every lifelines warning becomes a DataWarning recorded in
`CoxResult.warnings`.

The hazard ratio is non-collapsible: adding a prognostic covariate (or a twin's risk score)
changes the *estimand* - the HR conditional on the covariate moves away from 1 - and does not
shrink the SE of the log HR the way ANCOVA shrinks the SE of a mean difference. For a precision
gain with the same estimand use the adjusted RMST / survival-at-tau estimators (`adjusted.py`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..._util.deprecation import warn_deprecated
from ..._util.results import ResultMixin
from ...errors import DataError, DataWarning, check_option
from ..analysis import _complete_rows, _numeric
from ..design_matrix import check_design_matrix
from ._inputs import arm_indicator, as_list, check_survival, covariate_frame, result_row, rows_frame

MAX_ABS_LOG_HR = 15.0


@dataclass
class CoxResult(ResultMixin):
    """A Cox fit: `terms` (log_hr, se, hr, CI, p per term), `ph_test` (per term and global),
    `row` (the treatment effect as an analysis row) and the `warnings` met on the way."""

    terms: pd.DataFrame
    ph_test: pd.DataFrame
    row: dict
    concordance: float
    warnings: list = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        return self.terms

    def to_dict(self) -> dict:
        return {**self.row, "terms": self.terms.reset_index().to_dict(orient="records"),
                "ph_test": self.ph_test.reset_index().to_dict(orient="records"),
                "concordance": self.concordance, "warnings": list(self.warnings)}


def _record(caught, out: list) -> None:
    for w in caught:
        msg = str(w.message).strip().splitlines()[0]
        text = (f"Cox fit: lifelines warned '{msg}'; the estimates may be unreliable - check for separation "
                "(a covariate level with no events), drop near-constant covariates, or use a penalised fit.")
        if text not in out:
            out.append(text)
            warnings.warn(text, DataWarning, stacklevel=4)


def ph_test(cph, frame: pd.DataFrame) -> pd.DataFrame:
    """Scaled Schoenfeld residual test of proportional hazards (rank time transform), per term as in
    lifelines' `proportional_hazard_test`, and the global test (Grambsch & Therneau 1994):
    T = (sum g r*)' V^-1 (sum g r*) / (d sum g^2), chi2 with p df."""
    from lifelines.statistics import TimeTransformers, proportional_hazard_test

    per = proportional_hazard_test(cph, frame, time_transform="rank").summary
    per.index = [i if isinstance(i, str) else i[0] for i in per.index]
    resid = cph.compute_residuals(frame, kind="scaled_schoenfeld")
    events = cph.event_observed
    g = TimeTransformers().get("rank")(cph.durations, events, cph.weights)[events.values]
    g = np.asarray(g, float) - np.mean(g)
    s = g @ resid.to_numpy(float)
    V = cph.variance_matrix_.to_numpy(float)
    d = float(events.sum())
    T = float(s @ np.linalg.solve(V, s) / (d * np.sum(g ** 2)))
    out = pd.DataFrame({"statistic": per["test_statistic"].to_numpy(float), "df": 1,
                        "p_value": per["p"].to_numpy(float)}, index=list(per.index))
    out.loc["GLOBAL"] = [T, len(s), float(stats.chi2.sf(T, len(s)))]
    out.index.name = "term"
    out["df"] = out["df"].astype(int)
    return out


def _breslow(frame, strata_cols, robust, alpha):
    from statsmodels.duration.hazard_regression import PHReg

    X = frame.drop(columns=["__time__", "__event__", *strata_cols])
    strata = frame[strata_cols].astype(str).agg("|".join, axis=1).to_numpy() if strata_cols else None
    model = PHReg(frame["__time__"].to_numpy(float), X.to_numpy(float), status=frame["__event__"].to_numpy(float),
                  strata=strata, ties="breslow")
    res = model.fit(groups=np.arange(len(frame)) if robust else None)
    return pd.Series(res.params, X.columns), pd.Series(res.bse, X.columns)


def cox(df: pd.DataFrame, time: str, event: str, treatment: str, covariates=None, strata=None, score=None, *,
        ties: str = "efron", robust: bool = False, alpha: float = 0.05, treated=None, control=None,
        source: str = "") -> CoxResult:
    """Cox model of the hazard on treatment [+ covariates] [+ a prognostic `score`], optionally
    stratified (a baseline hazard per stratum). Intervals at `1-alpha`.

    ``score`` is a column name or an array aligned with ``df`` (e.g. a twin's risk score).
    ``method`` of the row: cox (treatment only), cox_adjusted (covariates), cox_score (a prognostic
    score, with or without covariates), cox_stratified.
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    check_option("ties", ties, ("efron", "breslow"))
    covariates, strata = as_list(covariates), as_list(strata)
    t, e = check_survival(df, time, event, [treatment, *covariates, *strata], source)
    frame = pd.DataFrame({"__time__": t.to_numpy(), "__event__": e.to_numpy(),
                          treatment: arm_indicator(df, treatment, treated, control)}, index=df.index)
    frame.loc[df[treatment].isna().to_numpy(), treatment] = np.nan
    if score is not None:
        frame["prognostic_score"] = (_numeric(df, score).to_numpy() if isinstance(score, str)
                                     else np.asarray(score, float).reshape(-1))
    if covariates:
        frame = pd.concat([frame, covariate_frame(df, covariates)], axis=1)
    for s in strata:
        frame[f"__stratum_{s}"] = df[s].to_numpy()
    ok = _complete_rows(frame, "Cox model")
    frame = frame[ok]
    strata_cols = [f"__stratum_{s}" for s in strata]
    terms = [c for c in frame.columns if c not in ("__time__", "__event__", *strata_cols)]
    where = f"{source}: " if source else ""
    check_design_matrix(frame[terms], f"{where}Cox model", {time: frame["__time__"], event: frame["__event__"]})
    if strata_cols:
        within = frame.groupby(strata_cols)[terms].nunique().max()
        flat = [c for c in terms if within[c] <= 1]
        if flat:
            raise DataError(f"{where}Cox model: {flat} do not vary within any stratum of {strata}, so a stratified "
                            "model cannot estimate them (a stratum variable cannot also be a covariate); drop "
                            "them from the covariates or from the strata.")
    arm = frame[treatment].to_numpy()
    ev = frame["__event__"].to_numpy()
    for a, name in ((1, "treated"), (0, "control")):
        if ev[arm == a].sum() == 0:
            raise DataError(f"{where}no events in the {name} arm: the Cox likelihood is monotone (the hazard ratio "
                            "is 0 or infinite) and its SE and p-value are meaningless. Report the log-rank test "
                            "and the RMST difference instead.")
    notes, caught_msgs = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cph = CoxPHFitter(alpha=alpha).fit(frame, duration_col="__time__", event_col="__event__",
                                               strata=strata_cols or None, robust=robust)
        except (ConvergenceError, np.linalg.LinAlgError) as exc:
            raise DataError(f"{where}the Cox model did not converge ({str(exc).strip().splitlines()[0][:200]}); "
                            "look for separation (a covariate or stratum whose patients all have, or all lack, "
                            "events) and drop or merge it.") from None
    _record([w for w in caught if not issubclass(w.category, (DeprecationWarning, FutureWarning))], caught_msgs)
    coef, se = cph.params_.copy(), cph.standard_errors_.copy()
    if ties == "breslow":
        coef, se = _breslow(frame, strata_cols, robust, alpha)
        notes.append("Breslow ties (statsmodels PHReg); PH test from the Efron fit")
    bad = [c for c in coef.index if abs(coef[c]) > MAX_ABS_LOG_HR or not np.isfinite(se[c])]
    if bad:
        raise DataError(f"{where}Cox model: term(s) {bad} have |log HR| > {MAX_ABS_LOG_HR:g} or a non-finite SE - "
                        "monotone likelihood (separation). Drop or merge them.")
    z = stats.norm.ppf(1 - alpha / 2)
    table = pd.DataFrame({"log_hr": coef, "se": se, "hazard_ratio": np.exp(coef), "hr_ci_low": np.exp(coef - z * se),
                          "hr_ci_high": np.exp(coef + z * se), "p_value": 2 * stats.norm.sf(np.abs(coef / se))})
    table.index.name = "term"
    try:
        ph = ph_test(cph, frame)
    except Exception as exc:  # noqa: BLE001 - the PH test must never hide the fit; say why it is missing
        ph = pd.DataFrame(columns=["statistic", "df", "p_value"])
        caught_msgs.append(f"the proportional-hazards test could not be computed ({exc}).")
    method = ("cox_stratified" if strata else "cox_score" if score is not None
              else "cox_adjusted" if covariates else "cox")
    adj = covariates + (["prognostic_score"] if score is not None else [])
    est = "hazard ratio, treated vs control" + (f", conditional on {adj}" if adj else "") + \
          (f", within strata of {strata}" if strata else "")
    if robust:
        tied = frame.loc[frame["__event__"] == 1, "__time__"].duplicated().any()
        notes.append("robust (sandwich) SE" + (" - lifelines' score residuals ignore the Efron correction for tied "
                                               "event times: up to a few % from R's coxph(robust=TRUE)" if tied else ""))
    if not ph.empty and ph.loc["GLOBAL", "p_value"] < alpha:
        notes.append(f"proportional hazards rejected (global p = {ph.loc['GLOBAL', 'p_value']:.3g}): the HR is a "
                     "time-averaged summary; prefer the RMST difference")
    b, s_ = float(table.loc[treatment, "log_hr"]), float(table.loc[treatment, "se"])
    row = result_row(method, est, alpha=alpha, n=len(frame), events=int(ev.sum()), effect=np.exp(b), hr=np.exp(b),
                     log_hr=b, se=s_, ci_low=np.exp(b - z * s_), ci_high=np.exp(b + z * s_),
                     p_value=table.loc[treatment, "p_value"], statistic=b / s_, covariates=adj, strata=strata,
                     notes="; ".join(notes + ["effect = HR; se is the SE of log HR"]))
    return CoxResult(table, ph, row, float(cph.concordance_index_), caught_msgs)


def cox_rows(*args, **kwargs) -> pd.DataFrame:
    """`cox(...)` as one analysis row (DataFrame)."""
    return rows_frame([cox(*args, **kwargs).row])


def cox_with_prognostic_score(df: pd.DataFrame, time: str, event: str, treatment: str, score=None,
                              covariates=None, alpha: float = 0.05, treated=None, control=None) -> pd.DataFrame:
    """Deprecated name of the plain adjusted Cox model: use ``cox(...).terms``."""
    warn_deprecated("cox_with_prognostic_score", "pharmasynth.trials.survival.cox(...).terms")
    res = cox(df, time, event, treatment, covariates=covariates, score=score, alpha=alpha, treated=treated,
              control=control)
    out = res.terms
    out.attrs["concordance"] = res.concordance
    out.attrs["n"] = res.row["n"]
    return out
