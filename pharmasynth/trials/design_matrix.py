"""Is a design matrix fit to be estimated? Checked before any regression, so that a degenerate fit
is an error that names the columns instead of a result with an absurd SE or p-value.

check_design_matrix  constant columns, columns identical to the outcome (or time/event), exact or
                     near collinearity (rank and condition number of the standardised design)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError

CONDITION_LIMIT = 1e8   # of the column-standardised design; beyond it the SEs are numerical noise


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 2:
        return False
    a, b = a[ok], b[ok]
    if np.allclose(a, b, rtol=1e-9, atol=1e-12):
        return True
    sa, sb = a.std(), b.std()
    return bool(sa > 0 and sb > 0 and abs(np.corrcoef(a, b)[0, 1]) > 1 - 1e-10)


def check_design_matrix(X: pd.DataFrame, context: str, outcomes: dict | None = None,
                        condition_limit: float = CONDITION_LIMIT) -> None:
    """Raise DataError naming the offending columns of X (complete rows only, no intercept column).

    outcomes: {name: values} of the outcome (or event time / indicator) a covariate must not copy.
    """
    if X.shape[1] == 0:
        return
    A = X.to_numpy(float)
    names = list(X.columns)
    for name, y in (outcomes or {}).items():
        y = np.asarray(y, float)
        same = [c for j, c in enumerate(names) if _same(A[:, j], y)]
        if same:
            raise DataError(f"{context}: covariate(s) {same} equal the outcome {name!r} (or a linear function of "
                            "it); an outcome cannot adjust for itself. Drop them from the covariates.")
    const = [c for j, c in enumerate(names) if np.nanstd(A[:, j]) == 0]
    if const:
        raise DataError(f"{context}: covariate(s) {const} are constant in the analysed rows, so their effect "
                        "cannot be estimated; drop them (or check a --where filter).")
    Z = (A - A.mean(axis=0)) / A.std(axis=0)
    rank = np.linalg.matrix_rank(Z)
    if rank < Z.shape[1]:
        # which columns are redundant: each column that lies in the span of the ones before it
        redundant, kept = [], []
        for j, c in enumerate(names):
            trial = kept + [j]
            if np.linalg.matrix_rank(Z[:, trial]) < len(trial):
                redundant.append(c)
            else:
                kept.append(j)
        raise DataError(f"{context}: the covariates are collinear (rank {rank} of {Z.shape[1]}); {redundant} "
                        f"are linear combinations of {[names[j] for j in kept]}. Drop the redundant ones.")
    cond = float(np.linalg.cond(Z))
    if cond > condition_limit:
        raise DataError(f"{context}: the covariates {names} are nearly collinear (condition number {cond:.3g} of "
                        f"the standardised design, above {condition_limit:.0e}); drop one of each highly "
                        "correlated pair.")
