"""Fidelity over time: per-patient summaries of timelines and the real-vs-synthetic distances on them.

Each function takes Timelines and returns plain arrays/frames; `evaluate.py` turns them into
metric rows. All are written for hundreds of thousands of patients (groupby, no Python loops
over patients).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import DAYS_PER_YEAR, first_event_times
from .timelines import Timelines


def first_times(tl: Timelines, types: list[str]) -> np.ndarray:
    s = tl.schema
    return first_event_times(tl.events, tl.static[s.id].to_numpy(), types, s.id, s.time, s.event)


def cumulative_incidence(tl: Timelines, event: str, grid_days: np.ndarray) -> np.ndarray:
    """1 - Kaplan-Meier of the first `event` during follow-up among patients without it at index
    (other deaths censor: the 'net' incidence, the same estimator on both sides)."""
    s = tl.schema
    fu = tl.static[s.followup].to_numpy(float)
    if event == "death":
        t = np.where(tl.static[s.death].to_numpy() == 1, fu, np.nan)
    else:
        t = first_times(tl, [event])[:, 0]
    risk = ~(t <= 0)
    time = np.where(np.isfinite(t[risk]) & (t[risk] <= fu[risk]), t[risk], fu[risk])
    obs = np.isfinite(t[risk]) & (t[risk] <= fu[risk])
    order = np.argsort(time, kind="stable")
    time, obs = time[order], obs[order]
    uniq, idx = np.unique(time, return_index=True)
    d = np.add.reduceat(obs.astype(float), idx) if len(time) else np.array([])
    at_risk = len(time) - idx
    surv = np.cumprod(1 - d / np.maximum(at_risk, 1))
    pos = np.searchsorted(uniq, grid_days, side="right") - 1
    return np.where(pos >= 0, 1 - surv[np.maximum(pos, 0)], 0.0)


def event_count_tvd(real: Timelines, syn: Timelines, types: list[str]) -> float:
    """Total variation distance between the distributions of event types per patient."""
    def dist(tl):
        c = np.isfinite(first_times(tl, types)).sum(axis=1)
        return np.bincount(c, minlength=len(types) + 1) / max(len(c), 1)
    return float(0.5 * np.abs(dist(real) - dist(syn)).sum())


def inter_event_gaps(tl: Timelines, types: list[str]) -> np.ndarray:
    """Days between consecutive first events of a patient during follow-up."""
    t = first_times(tl, types)
    t = np.where(t > 0, t, np.nan)
    t = np.sort(t, axis=1)
    g = np.diff(t, axis=1)
    return g[np.isfinite(g)]


def ever_matrix(tl: Timelines, types: list[str]) -> np.ndarray:
    return np.isfinite(first_times(tl, types)).astype(float)


def cooccurrence_gap(real: Timelines, syn: Timelines, types: list[str]) -> tuple[float, pd.DataFrame]:
    """Mean |phi_real - phi_syn| over pairs of event types (phi: correlation of ever-had flags)."""
    cr = np.corrcoef(ever_matrix(real, types).T)
    cs = np.corrcoef(ever_matrix(syn, types).T)
    iu = np.triu_indices(len(types), 1)
    gap = np.abs(np.nan_to_num(cr) - np.nan_to_num(cs))[iu]
    table = pd.DataFrame(np.nan_to_num(cr) - np.nan_to_num(cs), index=types, columns=types).round(3)
    return float(gap.mean()) if len(gap) else 0.0, table


def lab_by_year(tl: Timelines, test: str, max_years: int = 10) -> pd.DataFrame:
    s = tl.schema
    me = tl.measurements[tl.measurements[s.test].astype(str) == test]
    yr = np.floor(me[s.time].to_numpy(float) / DAYS_PER_YEAR)
    keep = (yr >= -max_years) & (yr < max_years)
    return pd.DataFrame({"year": yr[keep], "v": me[s.value].to_numpy(float)[keep]}).groupby("year")["v"].agg(
        ["mean", "std", "size"])


def lag1_autocorrelation(tl: Timelines, test: str) -> float:
    """Correlation of consecutive values of the same patient (within-patient persistence)."""
    s = tl.schema
    me = tl.measurements[tl.measurements[s.test].astype(str) == test].sort_values([s.id, s.time])
    v, pid = me[s.value].to_numpy(float), me[s.id].to_numpy()
    same = pid[1:] == pid[:-1]
    if same.sum() < 3:
        return float("nan")
    return float(np.corrcoef(v[1:][same], v[:-1][same])[0, 1])


def lab_before_event(tl: Timelines, test: str, event: str, window: float = 365.0) -> tuple[float, int]:
    """Mean within-patient change: value in the `window` days before the first incident `event`
    minus the patient's values before that window. -> (mean change, patients)."""
    s = tl.schema
    ids = tl.static[s.id].to_numpy()
    t = first_times(tl, [event])[:, 0]
    when = pd.Series(t, index=ids)
    when = when[when > 0]
    me = tl.measurements[(tl.measurements[s.test].astype(str) == test) & tl.measurements[s.id].isin(when.index)]
    te = me[s.id].map(when).to_numpy(float)
    day = me[s.time].to_numpy(float)
    pre = (day >= te - window) & (day < te)
    early = day < te - window
    d = pd.DataFrame({"id": me[s.id].to_numpy(), "v": me[s.value].to_numpy(float), "pre": pre, "early": early})
    a = d[d.pre].groupby("id")["v"].mean()
    b = d[d.early].groupby("id")["v"].mean()
    both = a.index.intersection(b.index)
    if len(both) < 5:
        return float("nan"), int(len(both))
    return float((a[both] - b[both]).mean()), int(len(both))
