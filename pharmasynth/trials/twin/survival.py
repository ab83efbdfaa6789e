"""The twin's event model and its censoring: a Weibull AFT model, and the reverse Kaplan-Meier summary.

Event:      log T = b0 + x'b + W / rho (lifelines' WeibullAFTFitter on the baseline design), so
            T | x ~ Weibull(scale lambda(x) = exp(b0 + x'b), shape rho). It is also a
            proportional-hazards model: -rho log lambda(x) is the log relative hazard.
Censoring:  the censoring survival S_C(t) of the training data (reverse Kaplan-Meier) stored on a
            grid - a summary, not the censoring times - and sampled by inverting it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ...errors import DataError, DataWarning

TRY_NEXT = ("try event_penalizer=0.01 (a ridge penalty), or fewer baseline covariates (drop near-constant "
            "or collinear ones)")


def fit_weibull_aft(X: np.ndarray, t: np.ndarray, e: np.ndarray, terms: list[str], penalizer: float = 0.0):
    """Fit log T = b0 + x'b + W / rho on design rows X.

    Returns (intercept b0, coefficients b, shape rho, lifelines' summary table with the design
    terms as covariate names). lifelines' warnings are recorded rather than shown: a fit that
    does not converge is a DataError, and a warning about convergence or about the variance matrix
    becomes one DataWarning (the point estimates are still used) that says what to try.
    """
    from lifelines import WeibullAFTFitter
    from lifelines.exceptions import ApproximationWarning, ConvergenceError, ConvergenceWarning, StatisticalWarning

    names = [f"x{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    frame["_t"], frame["_e"] = t, e
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            aft = WeibullAFTFitter(penalizer=penalizer).fit(frame, "_t", "_e")
        except ConvergenceError as exc:
            raise DataError(f"the Weibull event model did not converge ({str(exc).strip().splitlines()[0]}); "
                            f"{TRY_NEXT}.") from None
    lam = aft.params_.loc["lambda_"]
    intercept = float(lam["Intercept"])
    coef = np.array([lam[nm] for nm in names], float)
    shape = float(np.exp(aft.params_.loc["rho_"]["Intercept"]))
    if not (np.isfinite(intercept) and np.isfinite(coef).all() and np.isfinite(shape)):
        raise DataError(f"the Weibull event model gave non-finite parameters; {TRY_NEXT}.")
    trouble = [w for w in caught if issubclass(w.category, (ConvergenceWarning, ApproximationWarning,
                                                             StatisticalWarning))]
    if trouble:
        first = str(trouble[0].message).strip().splitlines()[0]
        for nm, term in zip(names, terms):
            first = first.replace(f"'{nm}'", f"'{term}'")
        warnings.warn(f"the Weibull event model's fit may be unreliable (lifelines: {first}); {TRY_NEXT}.",
                      DataWarning, stacklevel=3)
    summary = aft.summary.reset_index().assign(
        covariate=lambda d: d["covariate"].map(dict(zip(names, terms))).fillna(d["covariate"]))
    return intercept, coef, shape, summary


def reverse_km_grid(time: np.ndarray, event: np.ndarray, n_grid: int = 100):
    """Censoring survival S_C(t) on a grid of `n_grid` + 1 times up to the 99.5% quantile of `time`."""
    from lifelines import KaplanMeierFitter

    t_end = float(np.quantile(time, 0.995))
    grid = np.linspace(0.0, t_end, n_grid + 1)
    km = KaplanMeierFitter().fit(time, 1 - event)
    surv = km.survival_function_at_times(grid).to_numpy(float)
    return grid, np.minimum.accumulate(surv)


def sample_censoring(grid: np.ndarray, surv: np.ndarray, shape, rng: np.random.Generator) -> np.ndarray:
    """Censoring times by inverting S_C on its grid; beyond the follow-up: the end of it."""
    u = rng.random(shape)
    # S_C decreases from 1; C = first grid time where S_C <= u (interpolated), else end of follow-up
    c = np.interp(u, surv[::-1], grid[::-1], left=grid[-1], right=0.0)
    return np.where(u < surv[-1], grid[-1], c)


def sample_weibull(lam: np.ndarray, rho: float, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Event times (patients, draws) from Weibull(scale lam, shape rho), by inversion."""
    u = rng.random((len(lam), n_draws))
    return lam[:, None] * (-np.log(u)) ** (1 / rho)
