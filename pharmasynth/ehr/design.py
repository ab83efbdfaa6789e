"""Shared pieces of the timeline models: patient covariates, first-event times, a Poisson fitter.

Covariates are numeric static attributes, standardised with the training mean/SD, missing values
set to the mean with a missing flag (only where >= 1% are missing), so the same transform can be
saved as a few numbers and applied to synthetic patients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25


class Covariates:
    """Standardise chosen static columns; `transform(df) -> (n, p)` with missing flags appended."""

    def __init__(self, columns: list[str]):
        self.columns = list(columns)

    def fit(self, static: pd.DataFrame) -> "Covariates":
        x = static[self.columns].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        self.mean_ = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0)
        self.sd_ = np.where(sd > 0, sd, 1.0)
        self.flags_ = np.isnan(x).mean(axis=0) >= 0.01
        return self

    @property
    def names(self) -> list[str]:
        return self.columns + [f"{c}_missing" for c, f in zip(self.columns, self.flags_) if f]

    def transform(self, static: pd.DataFrame) -> np.ndarray:
        x = static[self.columns].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        miss = np.isnan(x)
        z = np.where(miss, 0.0, (x - self.mean_) / self.sd_)
        return np.hstack([z, miss[:, self.flags_].astype(float)])

    def state(self) -> dict:
        return {"mean": self.mean_, "sd": self.sd_, "flags": self.flags_.astype(np.int64)}

    @classmethod
    def restore(cls, columns, tensors: dict, prefix: str) -> "Covariates":
        obj = cls(columns)
        obj.mean_ = np.asarray(tensors[f"{prefix}mean"], float)
        obj.sd_ = np.asarray(tensors[f"{prefix}sd"], float)
        obj.flags_ = np.asarray(tensors[f"{prefix}flags"]).astype(bool)
        return obj


def first_event_times(events: pd.DataFrame, ids: np.ndarray, types: list[str], id_col: str, time_col: str,
                      event_col: str) -> np.ndarray:
    """(n patients, n types) days of each patient's first event of each type; NaN = never."""
    out = np.full((len(ids), len(types)), np.nan)
    ev = events[events[event_col].isin(types)]
    first = ev.groupby([id_col, event_col], sort=False)[time_col].min().reset_index()
    row = pd.Index(ids).get_indexer(first[id_col])
    col = pd.Index(types).get_indexer(first[event_col])
    ok = (row >= 0) & (col >= 0)
    out[row[ok], col[ok]] = first[time_col].to_numpy(float)[ok]
    return out


def poisson_fit(X: np.ndarray, y: np.ndarray, exposure: np.ndarray, ridge: float = 1e-4,
                max_iter: int = 50, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression with log(exposure) offset by Newton-Raphson (IRLS); -> (coef, covariance).

    A tiny ridge keeps coefficients finite when a covariate never co-occurs with the outcome
    (e.g. a rare history flag); with ridge=0 it is the maximum-likelihood fit statsmodels' GLM gives.
    """
    X = np.asarray(X, float)
    offset = np.log(np.maximum(exposure, 1e-12))
    beta = np.zeros(X.shape[1])
    rate = y.sum() / exposure.sum()
    beta[0] = np.log(max(rate, 1e-12)) if np.allclose(X[:, 0], 1) else 0.0
    penalty = ridge * np.eye(X.shape[1])
    for _ in range(max_iter):
        eta = np.clip(X @ beta + offset, -50, 50)
        mu = np.exp(eta)
        grad = X.T @ (y - mu) - penalty @ beta
        hess = (X * mu[:, None]).T @ X + penalty
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    mu = np.exp(np.clip(X @ beta + offset, -50, 50))
    cov = np.linalg.inv((X * mu[:, None]).T @ X + penalty)
    return beta, cov
