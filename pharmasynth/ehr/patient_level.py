"""Whole-timeline utility and privacy: one feature vector per patient, then models and distances.

Utility: predict a cardiovascular event within 5 years of the index date from what is known at
the index date (attributes, history flags, labs of the year before), logistic regression trained
on synthetic vs on real training timelines, both tested on the real holdout (AUC).
Privacy: each timeline becomes a vector (attributes, ever-had flags, first-event days, lab means
and counts), standardised on the training set; patient-level distance to the closest record,
a distance-based membership attack (members = training timelines), and exact copies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import DAYS_PER_YEAR
from .temporal import first_times
from .timelines import Timelines

CARDIOVASCULAR = ("MI", "stroke", "ang/isc", "heart failure", "cardiac arrest")


def _numeric_attributes(tl: Timelines, columns: list[str]) -> pd.DataFrame:
    return tl.static[columns].apply(pd.to_numeric, errors="coerce")


def landmark_features(tl: Timelines, types: list[str], tests: list[str], columns: list[str]) -> pd.DataFrame:
    """What is known at the index date: attributes, history flags, lab means in the year before."""
    s = tl.schema
    ids = tl.static[s.id].to_numpy()
    X = _numeric_attributes(tl, columns).reset_index(drop=True)
    hist = first_times(tl, types) <= 0
    for j, t in enumerate(types):
        X[f"history:{t}"] = hist[:, j].astype(float)
    me = tl.measurements
    recent = me[(me[s.time] <= 0) & (me[s.time] > -DAYS_PER_YEAR)]
    means = recent.assign(_t=recent[s.test].astype(str)).pivot_table(index=s.id, columns="_t", values=s.value,
                                                                     aggfunc="mean", observed=True)
    for t in tests:
        X[f"lab:{t}"] = pd.Series(ids).map(means[t]).to_numpy() if t in means else np.nan
    return X


def cv_within(tl: Timelines, events: list[str], years: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """-> (label: first of `events` in (0, years], usable: label known (event, or followed that long))."""
    s = tl.schema
    if events:
        f = first_times(tl, events)
        t = np.where(f > 0, f, np.inf).min(axis=1)  # first incident one; inf = none
    else:
        t = np.full(len(tl.static), np.inf)
    horizon = years * DAYS_PER_YEAR
    y = np.isfinite(t) & (t <= horizon)
    usable = y | (tl.static[s.followup].to_numpy(float) >= horizon)
    return y.astype(int), usable


def utility_auc(train: Timelines, synthetic: Timelines, holdout: Timelines, types, tests, columns,
                events=None, random_state=0) -> dict:
    """AUC on the real holdout of the model trained on synthetic and of the one trained on real."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    events = [e for e in (events or CARDIOVASCULAR) if e in types]
    if not events:
        raise ValueError(f"no cardiovascular event type among {types}; name them with events=[...].")
    out = {"events": events}
    Xh = landmark_features(holdout, types, tests, columns)
    yh, uh = cv_within(holdout, events)
    for label, tl in (("synthetic", synthetic), ("real", train)):
        X = landmark_features(tl, types, tests, columns)
        y, u = cv_within(tl, events)
        model = make_pipeline(SimpleImputer(strategy="mean", keep_empty_features=True), StandardScaler(),
                              LogisticRegression(max_iter=500, C=1.0))
        model.fit(X[u], y[u])
        out[label] = float(roc_auc_score(yh[uh], model.predict_proba(Xh[uh])[:, 1]))
        out[f"prevalence_{label}"] = float(y[u].mean())
    out["prevalence_holdout"], out["n_holdout"] = float(yh[uh].mean()), int(uh.sum())
    return out


def timeline_vectors(tl: Timelines, types, tests, columns) -> np.ndarray:
    s = tl.schema
    ids = tl.static[s.id].to_numpy()
    X = _numeric_attributes(tl, columns).to_numpy(float)
    first = first_times(tl, types)
    parts = [X, np.isfinite(first).astype(float), np.where(np.isfinite(first), first / DAYS_PER_YEAR, 0.0),
             tl.static[[s.followup]].to_numpy(float) / DAYS_PER_YEAR, tl.static[[s.death]].to_numpy(float)]
    me = tl.measurements
    agg = me.assign(_t=me[s.test].astype(str)).groupby([s.id, "_t"])[s.value].agg(["mean", "size"]).unstack("_t")
    for t in tests:
        for stat in ("mean", "size"):
            col = agg[(stat, t)] if (stat, t) in agg.columns else pd.Series(dtype=float)
            parts.append(pd.Series(ids).map(col).to_numpy(float)[:, None])
    V = np.hstack(parts)
    return V


def privacy_metrics(train: Timelines, synthetic: Timelines, holdout: Timelines, types, tests, columns,
                    max_rows: int = 5000, random_state=0) -> dict:
    """DCR share closer to train than to holdout, membership-attack AUC, exact copies."""
    from sklearn.metrics import roc_auc_score
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(random_state)
    Vt, Vs, Vh = (timeline_vectors(t, types, tests, columns) for t in (train, synthetic, holdout))
    mu, sd = np.nanmean(Vt, axis=0), np.nanstd(Vt, axis=0)
    sd = np.where(sd > 0, sd, 1.0)

    def z(V):
        return np.nan_to_num((V - mu) / sd, nan=0.0)  # missing at the training mean: 0

    n = min(len(Vt), len(Vh), max_rows)
    Zt, Zh = z(Vt[rng.choice(len(Vt), n, replace=False)]), z(Vh[rng.choice(len(Vh), n, replace=False)])
    Zs = z(Vs[rng.choice(len(Vs), min(len(Vs), max_rows), replace=False)])
    d_tr = NearestNeighbors(n_neighbors=1).fit(Zt).kneighbors(Zs)[0][:, 0]
    d_ho = NearestNeighbors(n_neighbors=1).fit(Zh).kneighbors(Zs)[0][:, 0]
    nn_syn = NearestNeighbors(n_neighbors=1).fit(Zs)
    member = nn_syn.kneighbors(Zt)[0][:, 0]
    non_member = nn_syn.kneighbors(Zh)[0][:, 0]
    auc = roc_auc_score(np.r_[np.ones(n), np.zeros(n)], -np.r_[member, non_member])
    closer = float(np.mean(d_tr < d_ho) + 0.5 * np.mean(d_tr == d_ho))
    # identical timelines: the whole vector equal (to 1e-6) to one of ANY training timeline, by hashing
    # (nearest-neighbour distances carry ~1e-8 of rounding noise, too much for an equality test)
    seen = {r.tobytes() for r in np.round(np.nan_to_num(Vt, nan=-999.0), 6)}
    exact = float(np.mean([r.tobytes() in seen for r in np.round(np.nan_to_num(Vs, nan=-999.0), 6)]))
    return {"dcr_share_closer_to_train": closer, "membership_auc": float(auc), "identical_share": exact,
            "median_dcr_train": float(np.median(d_tr)), "median_dcr_holdout": float(np.median(d_ho)),
            "n_compared": int(len(Zs)), "n_members": int(n)}
