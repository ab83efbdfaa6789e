"""Combining several draws of a synthetic control arm into one estimate with an honest variance.

Stacking M draws per patient into one analysis treats M x n synthetic patients as real: the SE
shrinks with M although no information was added (and the twin's own estimation error is
ignored). The draws must instead be combined like multiple imputations:

rubin_combine          Rubin's rules: T = W + (1 + 1/M) B, Barnard-Rubin (1999) degrees of freedom
synthetic_arm_combine  the rule for a control arm that is *entirely* synthetic for the same patients:
                       T = W_real + (1 + 1/M) B - W_synthetic. The between-draw variance B holds the
                       twin's parameter uncertainty and the draws' noise; the draws' noise is then
                       not the sampling variance of real patients, so their within-draw variance
                       is taken out again - the fully-synthetic rule of Raghunathan, Reiter & Rubin
                       (2003) for the synthetic arm, plus the real arm's sampling variance.
perturbed_twin         a copy of a fitted linear twin with its parameters drawn from their posterior
                       (visits: Sigma ~ inverse Wishart, B | Sigma ~ N(B_hat, Sigma (x) (X'X)^-1); event model: normal
                       on lifelines' coefficients and their SEs), so that B includes the twin's error
synthetic_control_effect  treated patients vs M synthetic control draws of the same patients: per draw
                       an ANCOVA on the twin's prediction, combined by `synthetic_arm_combine`;
                       the naive stacked analysis is returned beside it, labelled as such
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._util.random import as_rng
from ..errors import DataError, DataWarning
from .analysis import _numeric


def _t_row(method, est, T, df, alpha, **extra) -> dict:
    se = float(np.sqrt(T))
    q = stats.t.ppf(1 - alpha / 2, df) if np.isfinite(df) else stats.norm.ppf(1 - alpha / 2)
    p = 2 * (stats.t.sf(abs(est / se), df) if np.isfinite(df) else stats.norm.sf(abs(est / se)))
    return {"method": method, "effect": float(est), "se": se, "ci_low": float(est - q * se),
            "ci_high": float(est + q * se), "p_value": float(p), "df": float(df), "alpha": alpha, **extra}


def rubin_combine(estimates, variances, df_complete: float = np.inf, alpha: float = 0.05) -> pd.DataFrame:
    """Rubin's rules for M analyses of M imputed data sets: one row (method `rubin`) with effect,
    se, CI, p, df (Barnard & Rubin 1999 small-sample df when `df_complete` is finite), the within
    (W) and between (B) variances and the fraction of missing information."""
    q, u = np.asarray(estimates, float), np.asarray(variances, float)
    M = len(q)
    if M < 2:
        raise DataError(f"{M} draw(s): combining needs at least 2 (the between-draw variance is undefined).")
    W, B = u.mean(), q.var(ddof=1)
    T = W + (1 + 1 / M) * B
    r = (1 + 1 / M) * B / T                      # share of the variance due to the draws
    df_old = (M - 1) / max(r, 1e-12) ** 2
    if np.isfinite(df_complete):
        df_obs = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - r)
        df = 1 / (1 / df_old + 1 / df_obs)
    else:
        df = df_old
    return pd.DataFrame([_t_row("rubin", q.mean(), T, df, alpha, within=W, between=B, n_draws=M,
                                fraction_missing_info=float(r))])


def synthetic_arm_combine(estimates, var_real, var_synthetic, alpha: float = 0.05) -> pd.DataFrame:
    """Combine M draws of an entirely synthetic control arm (see the module docstring): one row
    (method `synthetic_combined`). If (1 + 1/M) B < W_synthetic (too few draws to see the twin's
    error) the synthetic part is floored at B / M and a DataWarning says to use more draws."""
    q = np.asarray(estimates, float)
    M = len(q)
    if M < 2:
        raise DataError(f"{M} draw(s): combining needs at least 2 (the between-draw variance is undefined).")
    Wr, Ws, B = float(np.mean(var_real)), float(np.mean(var_synthetic)), float(q.var(ddof=1))
    synth = (1 + 1 / M) * B - Ws
    if synth < B / M:
        warnings.warn(f"synthetic control: the between-draw variance ({B:.3g}) is too small against the draws' "
                      f"own noise ({Ws:.3g}) to separate the twin's error; the synthetic part is floored at B/M. "
                      "Use more draws (n_draws >= 20).", DataWarning, stacklevel=2)
        synth = B / M
    T = Wr + synth
    # Satterthwaite: the uncertainty of T is that of (1 + 1/M) B (M - 1 df); W_real and W_synthetic
    # rest on n patients each and are taken as known
    df = (M - 1) * (T / ((1 + 1 / M) * B)) ** 2 if B > 0 else np.inf
    return pd.DataFrame([_t_row("synthetic_combined", q.mean(), T, df, alpha, within_real=Wr, within_synthetic=Ws,
                                between=B, n_draws=M)])


def perturbed_twin(twin, random_state=None):
    """A copy of a fitted linear DigitalTwin with parameters drawn from their sampling distribution."""
    if getattr(twin, "model", None) != "linear":
        raise DataError("parameter draws need a linear twin (model='linear'); for a neural twin refit it on "
                        "bootstrap resamples of its training patients instead.")
    rng = as_rng(random_state)
    out = copy.deepcopy(twin)
    if twin.visits:
        # the posterior under a flat prior (Rubin 1987, "proper" imputation): Sigma ~ inverse Wishart
        # on n - p df around the fitted one, then B | Sigma ~ N(B_hat, Sigma (x) (X'X)^-1)
        from scipy.stats import invwishart

        dof = max(int(twin.n_train_) - twin.B_.shape[0], twin.B_.shape[1] + 2)
        V = len(twin.residual_cov_)
        sigma = invwishart(df=dof, scale=dof * twin.residual_cov_).rvs(random_state=rng).reshape(V, V) \
            if dof > V + 1 else twin.residual_cov_
        L_x = np.linalg.cholesky(twin.XtX_inv_ + 1e-12 * np.eye(len(twin.XtX_inv_)))
        L_s = np.linalg.cholesky(sigma + 1e-12 * np.eye(V))
        out.B_ = twin.B_ + L_x @ rng.standard_normal(twin.B_.shape) @ L_s.T
        out.residual_cov_ = sigma
    if getattr(twin, "has_event_", False) and getattr(twin, "event_summary_", None) is None:
        warnings.warn("this twin was loaded from disk without its event model's standard errors; its event "
                      "parameters are not redrawn (refit the twin to propagate them).", DataWarning, stacklevel=2)
    elif getattr(twin, "has_event_", False):
        s = twin.event_summary_.set_index(["param", "covariate"])["se(coef)"]
        terms = list(twin.design_.terms)
        out.weibull_intercept_ = twin.weibull_intercept_ + rng.normal() * float(s[("lambda_", "Intercept")])
        out.weibull_coef_ = twin.weibull_coef_ + rng.standard_normal(len(terms)) * np.array(
            [float(s[("lambda_", t)]) for t in terms])
        out.weibull_shape_ = float(np.exp(np.log(twin.weibull_shape_) + rng.normal() * float(s[("rho_", "Intercept")])))
    return out


def _ancova(y_t, y_c, score):
    """Treated (real) vs control (synthetic) of the same patients, adjusted for the score:
    effect and each arm's residual variance / n (the per-arm sampling variances)."""
    n = len(y_t)
    y = np.r_[y_t, y_c]
    X = np.column_stack([np.ones(2 * n), np.r_[np.ones(n), np.zeros(n)], np.r_[score, score]])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ beta
    return float(beta[1]), float(r[:n].var(ddof=2) / n), float(r[n:].var(ddof=2) / n)


def synthetic_control_effect(twin, treated: pd.DataFrame, outcome: str, *, n_draws: int = 20,
                             parameter_uncertainty: bool = True, alpha: float = 0.05,
                             random_state=None) -> pd.DataFrame:
    """Effect of treatment on `outcome` (a twin visit) in the `treated` patients against the twin's
    synthetic control arm for the same patients: `synthetic_combined` (draws combined, see above)
    and `stacked_naive` (all draws in one ANCOVA - for comparison only; its SE is too small)."""
    if outcome not in twin.visits:
        raise DataError(f"the twin models visits {twin.visits}, not {outcome!r}.")
    if n_draws < 2:
        raise DataError("n_draws must be >= 2 to combine draws.")
    rng = as_rng(random_state)
    y_t = _numeric(treated, outcome).to_numpy()
    if np.isnan(y_t).any():
        raise DataError(f"outcome {outcome!r} is missing for {int(np.isnan(y_t).sum())} treated patient(s); "
                        "filter or impute them first.")
    score = twin.predict(treated)[outcome].to_numpy(float)
    est, v_real, v_syn, stacked = [], [], [], []
    for _ in range(n_draws):
        with warnings.catch_warnings():   # the event model plays no part in a visit's effect
            warnings.simplefilter("ignore", DataWarning)
            tw = perturbed_twin(twin, rng) if parameter_uncertainty else twin
        y_c = tw.sample(treated, n_draws=1, random_state=rng)[outcome].to_numpy(float)
        e, vr, vs = _ancova(y_t, y_c, score)
        est.append(e), v_real.append(vr), v_syn.append(vs), stacked.append(y_c)
    combined = synthetic_arm_combine(est, v_real, v_syn, alpha)
    # the naive analysis: every draw as if it were another real control patient
    n = len(y_t)
    yc = np.concatenate(stacked)
    y = np.r_[y_t, yc]
    X = np.column_stack([np.ones(len(y)), np.r_[np.ones(n), np.zeros(len(yc))], np.r_[score, np.tile(score, n_draws)]])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    cov = np.linalg.inv(X.T @ X) * resid.var(ddof=3)
    naive = pd.DataFrame([_t_row("stacked_naive", beta[1], cov[1, 1], len(y) - 3, alpha, n_draws=n_draws)])
    out = pd.concat([combined, naive], ignore_index=True)
    out["n"] = n
    return out
