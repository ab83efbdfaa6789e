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

Time to event is in `survival/`, sample sizes in `design/`. Every design is checked before the fit
(`design_matrix.check_design_matrix`: constant, collinear or outcome-copying covariates are errors).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .._util.atomic import atomic_write_text
from .._util.results import ResultMixin
from ..errors import DataError, DataWarning, SchemaError, check_option
from .design_matrix import check_design_matrix

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
class AnalysisResult(ResultMixin):
    """One analysis of a treatment effect. ``summary()`` is the data; printing is a rendering of it."""

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

    def summary(self) -> pd.DataFrame:
        """One row (indexed by method): effect, se, ci_low, ci_high, p_value, n."""
        return pd.DataFrame([{c: getattr(self, c) for c in RESULT_COLUMNS}]).set_index("method")

    def to_dict(self) -> dict:
        d = {c: getattr(self, c) for c in RESULT_COLUMNS}
        d.update(alpha=self.alpha, robust_se=self.hc, outcome=self.outcome, treatment=self.treatment,
                 covariates=list(self.covariates), **self.extra)
        return d

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/analysis.json (`to_dict`) and OUT/coefficients.csv (every term)."""
        paths = {"json": Path(out_dir) / "analysis.json", "coefficients": Path(out_dir) / "coefficients.csv"}
        self.to_json(paths["json"])
        atomic_write_text(paths["coefficients"], self.coefficients.rename_axis("term").reset_index().to_csv(index=False))
        return paths

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
    frame = pd.concat([r.summary() for r in results])
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
                            "a two-arm analysis needs exactly 2 (filter the rows - the CLI's --where - or name the two arms with "
                            "treated=/control=, on the command line --treated/--control).")
        as_set = set(labels.tolist())
        if as_set <= {0, 1}:
            treated = 1
        elif as_set == {"no", "yes"}:
            treated = "yes"
        else:
            raise DataError(f"treatment column {name!r} has labels {sorted(map(str, labels))}; say which is "
                            "the treated arm with treated=LABEL and control=LABEL (command line: --treated/--control).")
    if control is None:
        others = [x for x in labels if x != treated]
        if len(others) != 1:
            raise DataError(f"treatment column {name!r}: cannot tell the control arm from {sorted(map(str, labels))} "
                            f"with treated={treated!r}; give control=LABEL.")
        control = others[0]
    unknown = [x for x in labels if x not in (treated, control)]
    if unknown:
        raise DataError(f"treatment column {name!r} has unknown arm label(s) {sorted(map(str, unknown))}; "
                        f"expected only treated={treated!r} and control={control!r}; keep the two arms "
                        "(command line: --where, e.g. --where 'arms in [0, 1]').")
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


def _refuse_text_in_numbers(s: pd.Series, col: str) -> None:
    """A mostly-numeric column with a few text cells is a typo, not a categorical covariate: one
    "forty" among ages must not turn age into dozens of dummy columns."""
    present = s.dropna()
    conv = pd.to_numeric(present, errors="coerce")
    if len(present) and conv.notna().mean() >= 0.5:
        bad = conv.isna().to_numpy()
        row = present.index[np.flatnonzero(bad)[0]]
        row = row.item() if isinstance(row, np.generic) else row
        raise SchemaError(f"column {col!r} is numeric but row {row!r} holds {present[row]!r} "
                          f"({int(bad.sum())} non-numeric cell(s)); fix or blank them (a blank is a missing value).")


def _covariate_matrix(df: pd.DataFrame, covariates) -> pd.DataFrame:
    parts = []
    for c in covariates:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or s.dtype == bool:
            parts.append(s.astype(float).rename(c))
        else:  # categorical covariate: treatment-coded dummies
            _refuse_text_in_numbers(s, c)
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
    check_design_matrix(frame.drop(columns="__y__"), f"{method} analysis of {outcome!r}", {outcome: frame["__y__"]})
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
