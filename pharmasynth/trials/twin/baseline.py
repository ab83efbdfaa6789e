"""The baseline design: baseline covariates -> design matrix (standardised numerics, one-hot categoricals).

Numeric columns are standardised with the training mean and SD; text columns, and numeric columns
with at most two values (0/1-type codes), are one-hot with the first level as reference. Values far
outside the training range (by more than `margin` of the range) and categories never seen give an
`ExtrapolationWarning` naming the column and rows; an unseen category is treated as the reference.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ...errors import DataError, ExtrapolationWarning, SchemaError
from ..data import _first_rows, _label_text, _row_label


class BaselineDesign:
    """Baseline covariates -> design matrix (standardised numerics, one-hot categoricals)."""

    def __init__(self, columns, categorical=(), margin: float = 0.1):
        self.columns = list(columns)
        self.categorical = set(categorical)
        self.margin = margin
        self.spec: list[dict] = []
        self._warned: set[str] = set()

    def _flag(self, warn: bool, rows: np.ndarray, message) -> None:
        """An ExtrapolationWarning, `message(first flagged row)`, when `warn` and any of `rows` is flagged.

        Once per distinct message and fitted twin: repeated predict/sample calls on the same
        patients (as in trial simulation) should not repeat the same warning hundreds of times.
        """
        if not (warn and rows.any()):
            return
        msg = message(int(np.flatnonzero(rows)[0]))
        if msg not in self._warned:
            self._warned.add(msg)
            warnings.warn(msg, ExtrapolationWarning, stacklevel=5)

    def fit(self, df: pd.DataFrame) -> "BaselineDesign":
        self.spec = []
        for c in self.columns:
            s = df[c]
            # text, and numeric 0/1-type codes (two values), are categories: a new code is then
            # reported as an unseen category rather than as an out-of-range number
            is_cat = (c in self.categorical or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
                      or s.nunique() <= 2)
            if is_cat:
                levels = sorted(pd.unique(s.map(_label_text)))
                self.spec.append({"name": c, "kind": "categorical", "levels": levels})
            else:
                x = s.to_numpy(float)
                sd = float(np.std(x))
                self.spec.append({"name": c, "kind": "numeric", "mean": float(np.mean(x)), "sd": sd if sd > 0 else 1.0,
                                  "min": float(np.min(x)), "max": float(np.max(x))})
        return self

    @property
    def terms(self) -> list[str]:
        out = []
        for sp in self.spec:
            if sp["kind"] == "numeric":
                out.append(sp["name"])
            else:
                out.extend(f"{sp['name']}={lv}" for lv in sp["levels"][1:])
        return out

    def check_frame(self, df: pd.DataFrame, source: str = "") -> None:
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame of baseline covariates, got {type(df).__name__}.")
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise SchemaError(f"{source}baseline column(s) {missing} missing; the table has {list(df.columns)}.")
        na = df[self.columns].isna().to_numpy()
        if na.any():
            rows = na.any(axis=1)
            cols = [c for c, bad in zip(self.columns, na.any(axis=0)) if bad]
            raise DataError(f"{source}baseline covariate(s) {cols} missing at {_first_rows(df, rows)}; the twin "
                            "needs a complete baseline (impute those values or drop the patients explicitly).")

    def transform(self, df: pd.DataFrame, warn: bool = True) -> np.ndarray:
        self.check_frame(df)
        cols = []
        for sp in self.spec:
            s = df[sp["name"]]
            if sp["kind"] == "numeric":
                x = pd.to_numeric(s, errors="coerce").to_numpy(float)
                bad = np.isnan(x) & s.notna().to_numpy()
                if bad.any():
                    first = int(np.flatnonzero(bad)[0])
                    raise SchemaError(f"baseline column {sp['name']!r} must be numeric; {_row_label(df, first)} holds "
                                      f"{s.iloc[first]!r}.")
                span = sp["max"] - sp["min"]
                lo, hi = sp["min"] - self.margin * span, sp["max"] + self.margin * span
                far = (x < lo) | (x > hi)
                self._flag(warn, far, lambda i: (
                    f"baseline column {sp['name']!r}: {int(far.sum())} row(s) far outside the training range "
                    f"[{sp['min']:g}, {sp['max']:g}] (e.g. {x[i]:g} at {_row_label(df, i)}; rows: "
                    f"{_first_rows(df, far)}). The twin extrapolates there; its predictions for those "
                    "patients are not backed by data. Check the units, or refit on data that cover them."))
                cols.append(((x - sp["mean"]) / sp["sd"])[:, None])
            else:
                lab = s.map(_label_text).to_numpy()
                new = ~np.isin(lab, sp["levels"])
                self._flag(warn, new, lambda i: (
                    f"baseline column {sp['name']!r}: category {lab[i]!r} was never seen in training "
                    f"({int(new.sum())} row(s): {_first_rows(df, new)}; known: {sp['levels']}). Those rows are "
                    f"treated as the reference level {sp['levels'][0]!r}, which is a guess. Recode the "
                    "category or refit with patients who have it."))
                oh = (lab[:, None] == np.asarray(sp["levels"][1:], dtype=object)[None, :]).astype(float)
                cols.append(oh)
        return np.hstack(cols) if cols else np.zeros((len(df), 0))

    def to_config(self):
        return {"columns": self.columns, "categorical": sorted(self.categorical), "margin": self.margin, "spec": self.spec}

    @classmethod
    def from_config(cls, cfg):
        d = cls(cfg["columns"], cfg["categorical"], cfg["margin"])
        d.spec = cfg["spec"]
        return d
