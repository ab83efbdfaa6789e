"""The linear visit model: multivariate Gaussian regression of the visit vector on the baseline design.

    y_i = B' x_i + e_i,   e_i ~ N(0, Sigma)

x_i is the baseline design with an intercept; Sigma is a full covariance (visit-to-visit
dependence). Missing visits: maximum likelihood by EM under missing-at-random. Every patient with
a baseline is kept; for a patient with visit 2 missing, the E-step replaces it by its conditional
mean given the observed visits (and adds the conditional covariance to Sigma), the M-step refits
B and Sigma. A patient missing every visit adds no information and changes nothing. Predictive
covariance of a new patient: (1 + h) Sigma, h = x'(X'X)^-1 x (parameter uncertainty).
"""

from __future__ import annotations

import numpy as np

from ...errors import DataError


def em_multivariate_regression(X1: np.ndarray, Y: np.ndarray, max_iter: int = 500, tol: float = 1e-8):
    """ML fit of Y = X1 B + E, E ~ N(0, Sigma), with missing entries (NaN) in Y, by EM (MAR).

    Returns (B, Sigma_mle, n_iter). Rows missing every outcome add nothing and are harmless.
    """
    n, V = Y.shape
    obs = ~np.isnan(Y)
    XtX = X1.T @ X1
    # start: per-visit OLS on its observed rows, diagonal Sigma
    B = np.zeros((X1.shape[1], V))
    var = np.ones(V)
    for v in range(V):
        o = obs[:, v]
        if o.sum() < X1.shape[1] + 2:
            raise DataError(f"visit #{v + 1} has {int(o.sum())} observed values, too few for {X1.shape[1]} "
                            "regression terms; drop baseline covariates or that visit.")
        B[:, v] = np.linalg.lstsq(X1[o], Y[o, v], rcond=None)[0]
        var[v] = np.var(Y[o, v] - X1[o] @ B[:, v])
    S = np.diag(var)
    patterns, inv = np.unique(obs, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    it = 0
    for it in range(1, max_iter + 1):
        M = X1 @ B
        Yh = np.where(obs, Y, M)
        C = np.zeros((V, V))
        for k, pat in enumerate(patterns):
            rows = np.flatnonzero(inv == k)
            m, o = np.flatnonzero(~pat), np.flatnonzero(pat)
            if len(m) == 0:
                continue
            if len(o) == 0:
                C[np.ix_(m, m)] += len(rows) * S[np.ix_(m, m)]
                continue
            K = np.linalg.solve(S[np.ix_(o, o)], S[np.ix_(o, m)]).T  # m x o
            Yh[np.ix_(rows, m)] = M[np.ix_(rows, m)] + (Y[np.ix_(rows, o)] - M[np.ix_(rows, o)]) @ K.T
            C[np.ix_(m, m)] += len(rows) * (S[np.ix_(m, m)] - K @ S[np.ix_(o, m)])
        B_new = np.linalg.solve(XtX, X1.T @ Yh)
        R = Yh - X1 @ B_new
        S_new = (R.T @ R + C) / n
        delta = max(np.max(np.abs(B_new - B)) / (np.max(np.abs(B)) + 1e-12),
                    np.max(np.abs(S_new - S)) / (np.max(np.abs(S)) + 1e-12))
        B, S = B_new, S_new
        if delta < tol or not patterns[~patterns.all(axis=1)].size:
            break
    return B, S, it


def _with_intercept(X: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((len(X), 1)), X])


def fit_linear_visits(X: np.ndarray, Y: np.ndarray, max_iter: int = 500, tol: float = 1e-8):
    """Fit on design rows X (no intercept) and visits Y (NaN = missing).

    Returns (B (terms x visits, intercept first), residual covariance, (X'X)^-1, EM iterations).
    """
    X1 = _with_intercept(X)
    n, p1 = X1.shape
    if n <= p1 + 1:
        raise DataError(f"{n} patients for {p1} regression terms: too few to fit the twin.")
    B, S, it = em_multivariate_regression(X1, Y, max_iter, tol)
    return B, S * n / (n - p1), np.linalg.inv(X1.T @ X1), it  # unbiased-style scaling of Sigma


def linear_moments(X: np.ndarray, B: np.ndarray, XtX_inv: np.ndarray, residual_cov: np.ndarray):
    """Predictive mean (n, V) and covariance (n, V, V) of the visits for design rows X (no intercept)."""
    X1 = _with_intercept(X)
    h = np.einsum("ij,jk,ik->i", X1, XtX_inv, X1)
    return X1 @ B, (1.0 + h)[:, None, None] * residual_cov[None]
