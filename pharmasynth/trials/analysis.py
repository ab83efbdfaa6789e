"""Analysis of a two-arm trial: unadjusted, ANCOVA and PROCOVA with robust standard errors.

PROCOVA (Schuler et al. 2021, qualified by the EMA in 2022) is an ANCOVA of the outcome on
treatment plus the digital twin's prediction of the outcome under control (the "prognostic
score"), optionally with further baseline covariates. Because the score is a function of baseline
only, the treatment effect stays unbiased; the residual variance shrinks by about 1 - rho^2,
rho being the correlation of the score with the outcome.

Every estimate comes from ordinary least squares with a heteroskedasticity-consistent (sandwich)
covariance, HC3 by default (MacKinnon & White 1985), and t-based confidence intervals and
p-values on n - k degrees of freedom - the same numbers as
``statsmodels.OLS(y, X).fit(cov_type="HC3", use_t=True)`` (tested to 1e-8).

The least-squares core, :func:`batched_ols`, works on a stack of trials at once (shape
``(trials, patients, terms)``); the single-trial functions here call it with one trial, and the
trial simulator calls it with thousands, so both share one tested implementation.

Time-to-event helpers (Kaplan-Meier, log-rank, Cox with the prognostic score, RMST difference)
wrap lifelines and return DataFrames.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, DataWarning, SchemaError, check_option

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
METHODS = ("unadjusted", "ancova", "procova")
RESULT_COLUMNS = ["effect", "se", "ci_low", "ci_high", "p_value", "n", "method"]


# --------------------------------------------------------------------------------------------
# batched least squares with a sandwich covariance
# --------------------------------------------------------------------------------------------
def batched_ols(X: np.ndarray, y: np.ndarray, hc: str = "HC3", coef_index: int | None = None):
    """OLS with a heteroskedasticity-consistent covariance for a stack of regressions.

    Parameters
    ----------
    X : array (B, n, k) - B design matrices (or (n, k) for one).
    y : array (B, n) - B outcome vectors (or (n,)).
    hc : "HC0" | "HC1" | "HC2" | "HC3".
    coef_index : if given, only that coefficient's robust variance is computed (cheaper: the
        (B, k, k) sandwich is never formed), and ``cov`` comes back with shape (B,).

    Returns
    -------
    beta (B, k), cov (B, k, k) or (B,), df_resid (int)
    """
    check_option("hc", hc, HC_TYPES)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    single = X.ndim == 2
    if single:
        X, y = X[None], y[None]
    B, n, k = X.shape
    if n <= k:
        raise DataError(f"{n} observations cannot fit {k} coefficients; each arm needs more patients.")
    Xt = X.transpose(0, 2, 1)
    XtX = Xt @ X                                           # (B, k, k)
    Xty = (Xt @ y[..., None])[..., 0]                      # (B, k)
    try:
        XtX_inv = np.linalg.inv(XtX)
    except np.linalg.LinAlgError as exc:
        raise DataError("the design matrix is singular (a constant or duplicated covariate, or an "
                        "arm with no patients); drop the offending covariate.") from exc
    beta = (XtX_inv @ Xty[..., None])[..., 0]
    resid = y - (X @ beta[..., None])[..., 0]
    df_resid = n - k
    if hc in ("HC2", "HC3"):
        lev = np.sum((X @ XtX_inv) * X, axis=-1)           # diagonal of the hat matrix
        one_minus = np.clip(1.0 - lev, 1e-12, None)
        w = resid**2 / (one_minus if hc == "HC2" else one_minus**2)
    else:
        w = resid**2 * (n / df_resid if hc == "HC1" else 1.0)
    if coef_index is not None:
        # var(beta_j) = sum_i (row j of (X'X)^-1 . x_i)^2 w_i
        c = (X @ XtX_inv[:, coef_index, :, None])[..., 0]
        cov = np.sum(c * c * w, axis=-1)
    else:
        meat = Xt @ (X * w[..., None])
        cov = XtX_inv @ meat @ XtX_inv
    if single:
        return beta[0], cov[0], df_resid
    return beta, cov, df_resid


def t_inference(estimate, se, df, alpha: float = 0.05):
    """CI bounds and two-sided p-values from a t distribution with ``df`` degrees of freedom."""
    estimate, se = np.asarray(estimate, float), np.asarray(se, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = estimate / se
    q = stats.t.ppf(1 - alpha / 2, df)
    p = 2 * stats.t.sf(np.abs(tstat), df)
    return estimate - q * se, estimate + q * se, p


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass
class AnalysisResult:
    """One analysis of a treatment effect. ``summary`` is the data; printing is a rendering of it."""

    method: str
    effect: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    alpha: float = 0.05
    hc: str = "HC3"
    outcome: str = ""
    treatment: str = ""
    covariates: list = field(default_factory=list)
    coefficients: pd.DataFrame | None = None   # every term: coef, se, ci_low, ci_high, p_value
    extra: dict = field(default_factory=dict)  # e.g. rho of the prognostic score

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{c: getattr(self, c) for c in RESULT_COLUMNS}]).set_index("method")

    def to_dict(self) -> dict:
        d = {c: getattr(self, c) for c in RESULT_COLUMNS}
        d.update(alpha=self.alpha, robust_se=self.hc, outcome=self.outcome, treatment=self.treatment,
                 covariates=list(self.covariates), **self.extra)
        return d

    def __str__(self) -> str:
        level = int(round(100 * (1 - self.alpha)))
        lines = [f"<{self.method}> effect of {self.treatment or 'treatment'} on {self.outcome or 'outcome'} "
                 f"(n={self.n}, {self.hc} robust SE, t on n-k df)",
                 f"  effect = {self.effect:.4g}  SE = {self.se:.4g}  {level}% CI [{self.ci_low:.4g}, "
                 f"{self.ci_high:.4g}]  p = {self.p_value:.3g}"]
        for k, v in self.extra.items():
            if isinstance(v, float):
                lines.append(f"  {k} = {v:.4g}")
        return "\n".join(lines)

    __repr__ = __str__


def compare(*results: AnalysisResult) -> pd.DataFrame:
    """Side-by-side table of several analyses (one row each) with the SE ratio to the first."""
    frame = pd.concat([r.summary for r in results])
    frame["se_ratio"] = frame["se"] / frame["se"].iloc[0]
    return frame


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
def _require_columns(df: pd.DataFrame, cols, what: str = "column"):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(f"{what} {missing} not in the trial table; it has {list(df.columns)}.")


def treatment_indicator(values: pd.Series, treated=None, control=None) -> np.ndarray:
    """0/1 indicator of the treated arm, with loud errors for one arm or unknown labels."""
    name = values.name
    labels = pd.unique(values.dropna())
    if len(labels) < 2:
        raise DataError(f"treatment column {name!r} has only one arm ({sorted(map(str, labels))}); "
                        "a comparison needs patients in both arms.")
    if treated is None and control is None:
        if len(labels) != 2:
            raise DataError(f"treatment column {name!r} has {len(labels)} arm(s) {sorted(map(str, labels))}; "
                            "a two-arm analysis needs exactly 2 (filter the table, or give treated=/control=).")
        as_set = set(labels.tolist())
        if as_set <= {0, 1}:
            treated = 1
        elif as_set == {"no", "yes"}:
            treated = "yes"
        else:
            raise DataError(f"treatment column {name!r} has labels {sorted(map(str, labels))}; say which is "
                            "the treated arm with treated=LABEL (and control=LABEL).")
    if control is None:
        others = [x for x in labels if x != treated]
        if len(others) != 1:
            raise DataError(f"treatment column {name!r}: cannot tell the control arm from {sorted(map(str, labels))} "
                            f"with treated={treated!r}; give control=LABEL.")
        control = others[0]
    unknown = [x for x in labels if x not in (treated, control)]
    if unknown:
        raise DataError(f"treatment column {name!r} has unknown arm label(s) {sorted(map(str, unknown))}; "
                        f"expected only treated={treated!r} and control={control!r}.")
    if treated not in labels or control not in labels:
        raise DataError(f"treatment column {name!r} has only one arm ({sorted(map(str, labels))}); "
                        "a comparison needs patients in both arms.")
    return (values.to_numpy() == treated).astype(float)


def _numeric(df: pd.DataFrame, col: str) -> pd.Series:
    s = df[col]
    if s.dtype == bool:
        return s.astype(float)
    if not pd.api.types.is_numeric_dtype(s):
        conv = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & conv.isna()
        if bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise SchemaError(f"column {col!r} must be numeric; row {row} holds {s.iloc[row]!r} "
                              f"({int(bad.sum())} non-numeric value(s)).")
        s = conv
    return s.astype(float)


def _covariate_matrix(df: pd.DataFrame, covariates) -> pd.DataFrame:
    parts = []
    for c in covariates:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or s.dtype == bool:
            parts.append(s.astype(float).rename(c))
        else:  # categorical covariate: treatment-coded dummies
            d = pd.get_dummies(s.astype("category"), prefix=c, drop_first=True, dtype=float)
            d[s.isna().to_numpy()] = np.nan
            parts.append(d)
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=df.index)


def _complete_rows(frame: pd.DataFrame, context: str) -> np.ndarray:
    ok = frame.notna().all(axis=1).to_numpy()
    if not ok.all():
        bad = np.flatnonzero(~ok)
        cols = [c for c in frame.columns if frame[c].isna().any()]
        warnings.warn(f"{context}: {len(bad)} row(s) with a missing value in {cols} were left out "
                      f"(first rows: {bad[:5].tolist()}); impute or filter them first to keep them.",
                      DataWarning, stacklevel=3)
    return ok


# --------------------------------------------------------------------------------------------
# the three analyses
# --------------------------------------------------------------------------------------------
def _fit(df, outcome, treatment, extra: pd.DataFrame, method, alpha, hc, treated, control,
         covariates) -> AnalysisResult:
    _require_columns(df, [outcome, treatment])
    check_option("hc", hc, HC_TYPES)
    y = _numeric(df, outcome)
    t = pd.Series(treatment_indicator(df[treatment], treated, control), index=df.index, name=treatment)
    t[df[treatment].isna().to_numpy()] = np.nan
    frame = pd.concat([y.rename("__y__"), t.rename("__t__"), extra], axis=1)
    ok = _complete_rows(frame, f"{method} analysis of {outcome!r}")
    frame = frame[ok]
    if frame["__t__"].nunique() < 2:
        raise DataError(f"after dropping incomplete rows only one arm is left in {treatment!r}.")
    X = np.column_stack([np.ones(len(frame)), frame.drop(columns="__y__").to_numpy(float)])
    names = ["const", treatment] + list(extra.columns)
    beta, cov, df_resid = batched_ols(X, frame["__y__"].to_numpy(float), hc=hc)
    se = np.sqrt(np.diag(cov))
    lo, hi, p = t_inference(beta, se, df_resid, alpha)
    coefs = pd.DataFrame({"coef": beta, "se": se, "ci_low": lo, "ci_high": hi, "p_value": p}, index=names)
    return AnalysisResult(method=method, effect=float(beta[1]), se=float(se[1]), ci_low=float(lo[1]),
                          ci_high=float(hi[1]), p_value=float(p[1]), n=int(len(frame)), alpha=alpha, hc=hc,
                          outcome=outcome, treatment=treatment, covariates=list(covariates), coefficients=coefs)


def unadjusted(df: pd.DataFrame, outcome: str, treatment: str, *, alpha: float = 0.05, hc: str = "HC3",
               treated=None, control=None) -> AnalysisResult:
    """Difference in means (OLS of outcome on treatment) with a robust SE."""
    return _fit(df, outcome, treatment, pd.DataFrame(index=df.index), "unadjusted", alpha, hc, treated,
                control, [])


def ancova(df: pd.DataFrame, outcome: str, treatment: str, covariates, *, alpha: float = 0.05,
           hc: str = "HC3", treated=None, control=None) -> AnalysisResult:
    """ANCOVA: outcome on treatment plus baseline covariates (categoricals dummy-coded)."""
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise ValueError("ancova needs at least one covariate; use unadjusted() otherwise.")
    _require_columns(df, covariates, "covariate(s)")
    return _fit(df, outcome, treatment, _covariate_matrix(df, covariates), "ancova", alpha, hc, treated,
                control, covariates)


def prognostic_score(trial: pd.DataFrame, twin_or_prediction, outcome: str, visit: str | None = None) -> pd.Series:
    """The twin's prediction of ``visit`` (default: ``outcome``) under control, aligned with ``trial``.

    ``twin_or_prediction`` is a fitted twin (anything with ``predict(df) -> DataFrame``), a column
    name of ``trial``, or an array/Series of predictions in ``trial``'s row order.
    """
    visit = visit or outcome
    if hasattr(twin_or_prediction, "predict"):
        pred = twin_or_prediction.predict(trial)
        if isinstance(pred, pd.DataFrame):
            if visit not in pred.columns:
                raise SchemaError(f"the twin predicts {list(pred.columns)}, not {visit!r}; pass visit=NAME.")
            pred = pred[visit]
        values = np.asarray(pred, dtype=float).reshape(-1)
    elif isinstance(twin_or_prediction, str):
        _require_columns(trial, [twin_or_prediction], "prognostic score column")
        values = _numeric(trial, twin_or_prediction).to_numpy()
    else:
        values = np.asarray(twin_or_prediction, dtype=float).reshape(-1)
    if len(values) != len(trial):
        raise DataError(f"{len(values)} predictions for {len(trial)} patients; they must align row by row.")
    return pd.Series(values, index=trial.index, name="prognostic_score")


def procova(trial: pd.DataFrame, twin_or_prediction, outcome: str, treatment: str, covariates=None,
            visit: str | None = None, *, alpha: float = 0.05, hc: str = "HC3", treated=None,
            control=None) -> AnalysisResult:
    """PROCOVA: ANCOVA of ``outcome`` on treatment + the twin's prognostic score [+ covariates].

    The result's ``extra`` holds ``rho``, the correlation of the score with the outcome in the
    control arm (the quantity that drives the variance reduction 1 - rho^2).
    """
    covariates = [] if covariates is None else ([covariates] if isinstance(covariates, str) else list(covariates))
    _require_columns(trial, [outcome, treatment] + covariates)
    score = prognostic_score(trial, twin_or_prediction, outcome, visit)
    extra = pd.concat([score, _covariate_matrix(trial, covariates)], axis=1)
    res = _fit(trial, outcome, treatment, extra, "procova", alpha, hc, treated, control, covariates)
    arm = trial[treatment]
    t = np.full(len(trial), np.nan)
    t[arm.notna().to_numpy()] = treatment_indicator(arm.dropna(), treated, control)
    y = _numeric(trial, outcome).to_numpy()
    ctrl = (t == 0) & np.isfinite(y) & np.isfinite(score.to_numpy())
    if ctrl.sum() > 2:
        res.extra["rho"] = float(np.corrcoef(score.to_numpy()[ctrl], y[ctrl])[0, 1])
    return res


# --------------------------------------------------------------------------------------------
# sample size
# --------------------------------------------------------------------------------------------
def sample_size_procova(effect: float, sd: float, rho: float, alpha: float = 0.05, power: float = 0.8,
                        ratio: float = 1.0) -> pd.DataFrame:
    """Sample sizes for a two-arm comparison of means, unadjusted vs PROCOVA, at the same power.

    Normal approximation (two-sided ``alpha``), with ``ratio`` = n_treated / n_control:

        Var(effect) = sd^2 (1/n_c + 1/n_t),   required Var = (effect / (z_{1-alpha/2} + z_power))^2.

    PROCOVA replaces sd^2 by sd^2 (1 - rho^2) - the large-sample variance factor of Schuler et al.
    (2021, Int J Biostat, "Increasing the efficiency of randomized trial estimates via linear
    adjustment for a prognostic score"), as used in the EMA qualification opinion (2022). Their
    refinement (a t-quantile and an inflation for an imperfectly estimated rho) is not applied;
    round up, and consider a conservative rho. Rows:

    * ``unadjusted``: the usual design.
    * ``procova``: the same allocation ratio, every arm shrunk by 1 - rho^2.
    * ``procova_reduced_control``: the treated arm kept as in the unadjusted design and only the
      control arm shrunk - the "smaller control arm at the same power" design.
    """
    if not 0 <= abs(rho) < 1:
        raise ValueError(f"rho must lie in (-1, 1); got {rho}.")
    if effect == 0 or sd <= 0 or ratio <= 0:
        raise ValueError("effect must be non-zero, sd and ratio positive.")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    target_var = (effect / z) ** 2
    rows = []

    def _row(design, var, n_c, n_t):
        n_c, n_t = int(np.ceil(n_c - 1e-9)), int(np.ceil(n_t - 1e-9))
        achieved = stats.norm.cdf(abs(effect) / np.sqrt(var * (1 / n_c + 1 / n_t)) - stats.norm.ppf(1 - alpha / 2))
        rows.append({"design": design, "n_control": n_c, "n_treated": n_t, "n_total": n_c + n_t,
                     "variance_factor": var / sd**2, "power": float(achieved)})

    var_u = sd**2
    n_c_u = var_u * (1 + 1 / ratio) / target_var
    _row("unadjusted", var_u, n_c_u, ratio * n_c_u)
    var_p = sd**2 * (1 - rho**2)
    n_c_p = var_p * (1 + 1 / ratio) / target_var
    _row("procova", var_p, n_c_p, ratio * n_c_p)
    n_t = int(np.ceil(ratio * n_c_u - 1e-9))
    room = target_var / var_p - 1 / n_t
    _row("procova_reduced_control", var_p, 1 / room if room > 0 else np.inf, n_t)
    frame = pd.DataFrame(rows).set_index("design")
    frame.attrs.update(effect=effect, sd=sd, rho=rho, alpha=alpha, power=power, ratio=ratio,
                       formula="normal approximation, variance factor 1 - rho^2 (Schuler et al. 2021)")
    return frame


def effective_sample_size(se_unadjusted: float, se_adjusted: float, n: int) -> dict:
    """Patients the unadjusted analysis would need to reach the adjusted SE: n (SE_u / SE_a)^2."""
    factor = (se_unadjusted / se_adjusted) ** 2
    return {"n": int(n), "variance_ratio": float(1 / factor), "effective_n": float(n * factor),
            "patients_gained": float(n * factor - n)}


# --------------------------------------------------------------------------------------------
# time to event (lifelines)
# --------------------------------------------------------------------------------------------
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
