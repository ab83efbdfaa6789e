"""Anonymeter's statistics and record distance, written out from its paper and code.

Giomi et al. (2023), "A Unified Framework for Quantifying Privacy Risk in Synthetic Data",
PoPETs 2023(2) - the method behind the `anonymeter` library, which the French data-protection
authority (CNIL) reviewed. The library itself pins numpy < 1.27, which our stack (numpy 2)
cannot take, so the three evaluators are re-implemented here and checked against values the
library computed (tests/evaluation/reference/anonymeter_reference.py and its .json).

Risk of an attack (singling out, linkability, inference), all with a Wilson-type interval:
    rate(k, n)   = (k + z^2/2) / (n + z^2),  error = z / (n + z^2) sqrt(k (n - k) / n + z^2 / 4)
    risk         = (attack - control) / (1 - control), errors propagated to first order,
                   value and interval clipped to [0, 1]
where `attack` is the success rate against the training records and `control` against real
records the generator never saw (the holdout): what the synthetic data reveal beyond what any
sample of the population would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm


@dataclass(frozen=True)
class SuccessRate:
    value: float
    error: float


def success_rate(n_total: int, n_success: float, level: float = 0.95) -> SuccessRate:
    """Anonymeter's Wilson-centred success rate and its error bound."""
    z = float(norm.ppf(0.5 * (1.0 + level)))
    z2 = z * z
    var = n_success * (n_total - n_success) / n_total
    den = n_total + z2
    return SuccessRate((n_success + 0.5 * z2) / den, (z / den) * math.sqrt(max(var, 0.0) + 0.25 * z2))


def residual_success(attack: SuccessRate, control: SuccessRate) -> SuccessRate:
    """(attack - control) / (1 - control), error propagated from both rates."""
    if control.value >= 1.0:
        return SuccessRate(float("nan"), float("nan"))
    value = (attack.value - control.value) / (1.0 - control.value)
    d_attack = 1.0 / abs(1.0 - control.value)
    d_control = (attack.value - 1.0) / (1.0 - control.value) ** 2
    return SuccessRate(value, math.sqrt((attack.error * d_attack) ** 2 + (control.error * d_control) ** 2))


def bounded(rate: SuccessRate) -> tuple[float, tuple[float, float]]:
    """(value, (low, high)), all clipped to [0, 1]."""
    def clip(v):
        return min(max(v, 0.0), 1.0)
    return clip(rate.value), (clip(rate.value - rate.error), clip(rate.value + rate.error))


def attack_risk(n_attacks, n_success: float, n_baseline: float, n_control: float, level: float = 0.95) -> dict:
    """Risk, its interval and the three rates; `n_attacks` is one number or (main, baseline, control)."""
    n_main, n_base, n_ctrl = (n_attacks, n_attacks, n_attacks) if np.isscalar(n_attacks) else n_attacks
    attack = success_rate(n_main, n_success, level)
    baseline = success_rate(n_base, n_baseline, level)
    control = success_rate(n_ctrl, n_control, level)
    risk, ci = bounded(residual_success(attack, control))
    return {"risk": risk, "ci": ci, "attack_rate": attack.value, "baseline_rate": baseline.value,
            "control_rate": control.value, "n_attacks": int(n_main), "n_success": float(n_success),
            "n_baseline": float(n_baseline), "n_control": float(n_control),
            "trustworthy": baseline.value < attack.value}


class GowerEncoder:
    """Anonymeter's mixed-type record distance: numeric columns divided by their range over BOTH
    tables (so any difference is at most 1) and summed as |a - b|; other columns 0 if equal, else 1;
    two missing values count 1 (as anonymeter); one missing numeric value counts 1 (anonymeter
    yields NaN there, which ranks the pair last - the same effect on a nearest-neighbour search).
    Dates count as numbers (days), where anonymeter would compare them as categories."""

    def __init__(self, a: pd.DataFrame, b: pd.DataFrame, columns: list[str]):
        self.columns = list(columns)
        self.numeric = [c for c in self.columns if _is_numberlike(a[c])]
        self.categorical = [c for c in self.columns if c not in self.numeric]
        self.ranges = {}
        for c in self.numeric:
            v = np.r_[_as_number(a[c]), _as_number(b[c])]
            rng = np.nanmax(v) - np.nanmin(v) if np.isfinite(v).any() else 0.0
            self.ranges[c] = rng if rng > 0 else 1.0
        self.codes = {c: pd.Index(pd.unique(pd.concat([_cat_key(a[c]), _cat_key(b[c])]))) for c in self.categorical}

    def transform(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        num = np.column_stack([_as_number(df[c]) / self.ranges[c] for c in self.numeric]) if self.numeric \
            else np.zeros((len(df), 0))
        cat = np.column_stack([self.codes[c].get_indexer(_cat_key(df[c])) for c in self.categorical]) \
            if self.categorical else np.zeros((len(df), 0), dtype=np.int64)
        return num, cat


def _is_numberlike(s: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)) or \
        pd.api.types.is_datetime64_any_dtype(s)


def _as_number(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s):
        v = s.astype("int64").to_numpy().astype(float) / 86400e9
        v[s.isna().to_numpy()] = np.nan
        return v
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _cat_key(s: pd.Series) -> pd.Series:
    s = s.astype(object)
    return s.where(s.notna(), "\0NA").astype(str)


def gower_neighbours(queries: pd.DataFrame, candidates: pd.DataFrame, columns: list[str], k: int = 1,
                     max_cells: int = 2**22) -> np.ndarray:
    """Indices (n_queries, k) of each query's k nearest candidates under `GowerEncoder`'s distance
    (ties: lowest index first). Chunked: at most `max_cells` distances in memory at a time."""
    import torch

    enc = GowerEncoder(candidates, queries, columns)
    qn, qc = enc.transform(queries)
    cn, cc = enc.transform(candidates)
    k = min(k, len(candidates))
    rows = max(1, max_cells // max(len(candidates), 1))
    out = np.empty((len(queries), k), dtype=np.int64)
    # complete numeric columns go through one L1 cdist; columns with a missing value take the exact
    # per-column rule (a missing side counts 1); categories compare as codes
    complete = ~(np.isnan(qn).any(0) | np.isnan(cn).any(0))
    cn_full = torch.from_numpy(cn[:, complete].astype(np.float64))
    for s in range(0, len(queries), rows):
        q_part = torch.from_numpy(qn[s:s + rows][:, complete].astype(np.float64))
        d = torch.cdist(q_part, cn_full, p=1).numpy() if complete.any() else \
            np.zeros((len(q_part), len(candidates)))
        for j in np.flatnonzero(~complete):
            diff = np.abs(qn[s:s + rows, j][:, None] - cn[:, j][None, :])
            diff[np.isnan(diff)] = 1.0
            d += diff
        for j in range(qc.shape[1]):
            d += qc[s:s + rows, j][:, None] != cc[:, j][None, :]
        if k == 1:
            out[s:s + rows, 0] = np.argmin(d, axis=1)
        else:
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
            order = np.take_along_axis(d, part, 1).argsort(axis=1, kind="stable")
            out[s:s + rows] = np.take_along_axis(part, order, 1)
    return out
