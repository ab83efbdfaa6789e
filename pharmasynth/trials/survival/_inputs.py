"""Checks shared by every survival analysis: time/event columns, arms, strata, covariates, and the
common shape of a result row (one row per analysis, the columns `analysis.json` holds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ..analysis import _covariate_matrix, _numeric, _require_columns, treatment_indicator

ROW_COLUMNS = ["method", "estimand", "effect", "hr", "log_hr", "se", "ci_low", "ci_high", "p_value", "statistic",
               "n", "events", "covariates", "strata", "alpha", "tau", "notes"]


def check_survival(df: pd.DataFrame, time: str, event: str, cols=(), source: str = "") -> tuple[pd.Series, pd.Series]:
    """Time (>= 0, never missing) and event (0/1) as floats; an all-censored table is an error."""
    where = f"{source}: " if source else ""
    _require_columns(df, [time, event, *cols])
    t = _numeric(df, time)
    e = _numeric(df, event)
    if len(t) == 0:
        raise DataError(f"{where}the trial table has no rows.")
    if t.isna().any():
        row = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise DataError(f"{where}event time column {time!r} is missing at row {row}; every patient needs a time "
                        "(censor at the last contact date).")
    if (t < 0).any():
        row = int(np.flatnonzero((t < 0).to_numpy())[0])
        raise DataError(f"{where}event time column {time!r} is negative at row {row} ({t.iloc[row]}); "
                        "times must be >= 0.")
    bad = ~e.isin([0, 1]).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{where}event column {event!r} must be 0 (censored) or 1 (event) on every row; "
                        f"row {row} holds {df[event].iloc[row]!r}.")
    if e.sum() == 0:
        raise DataError(f"{where}every patient is censored ({event!r} is 0 on all {len(e)} rows): no survival "
                        "analysis can be estimated. Check the event coding (1 = event).")
    return t, e


def arm_indicator(df: pd.DataFrame, treatment: str, treated=None, control=None) -> np.ndarray:
    _require_columns(df, [treatment], "treatment column")
    return treatment_indicator(df[treatment], treated, control)


def as_list(cols) -> list[str]:
    return [] if cols is None else ([cols] if isinstance(cols, str) else list(cols))


def strata_codes(df: pd.DataFrame, strata) -> np.ndarray:
    """One integer code per combination of the strata columns (missing values are an error)."""
    strata = as_list(strata)
    if not strata:
        return np.zeros(len(df), int)
    _require_columns(df, strata, "strata column(s)")
    miss = df[strata].isna().any(axis=1).to_numpy()
    if miss.any():
        raise DataError(f"strata column(s) {strata} are missing at row {int(np.flatnonzero(miss)[0])}; "
                        "fill or filter those rows.")
    return df.groupby(strata, sort=True).ngroup().to_numpy()


def covariate_frame(df: pd.DataFrame, covariates) -> pd.DataFrame:
    covariates = as_list(covariates)
    _require_columns(df, covariates, "covariate(s)")
    return _covariate_matrix(df, covariates)


def result_row(method: str, estimand: str, *, alpha: float, n: int, events: int, effect=np.nan, se=np.nan,
               ci_low=np.nan, ci_high=np.nan, p_value=np.nan, statistic=np.nan, hr=np.nan, log_hr=np.nan,
               covariates=(), strata=(), tau=np.nan, notes: str = "") -> dict:
    return {"method": method, "estimand": estimand, "effect": float(effect), "hr": float(hr), "log_hr": float(log_hr),
            "se": float(se), "ci_low": float(ci_low), "ci_high": float(ci_high), "p_value": float(p_value),
            "statistic": float(statistic), "n": int(n), "events": int(events), "covariates": list(covariates),
            "strata": list(strata), "alpha": float(alpha), "tau": float(tau), "notes": notes}


def rows_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=ROW_COLUMNS)
