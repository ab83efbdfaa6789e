"""Dates as data: the order of a record's dates (diagnosis -> recurrence -> death) and the
intervals between them.

The order checks need no rules from the user: every pair of date columns whose order holds in
at least `MIN_REAL_ORDER` of the real rows (where both are present) is an order the data obey,
and the share of synthetic rows that break it is a validity row, like a rule's violation rate.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from .metric import MetricResult, metric, wilson_interval
from .tabular import TableSchema, as_float

#: an order holding in at least this share of the real rows is checked in the synthetic ones
MIN_REAL_ORDER = 0.99
#: fewer real rows with both dates than this cannot establish an order
MIN_PAIR_ROWS = 20
DAY_NS = 86_400e9


def as_days(s: pd.Series) -> np.ndarray:
    """A datetime column as days since 1970-01-01 (float, NaN for missing)."""
    return as_float(s) / DAY_NS


def real_orders(real: pd.DataFrame, schema: TableSchema) -> list[dict]:
    """Every ordered pair (first, second) of date columns with first <= second in >= 99 % of the
    real rows holding both; a pair whose dates are equal in every row is no order and is skipped."""
    out = []
    dates = {c: as_days(real[c]) for c in schema.datetime}
    for a, b in itertools.permutations(dates, 2):
        both = ~(np.isnan(dates[a]) | np.isnan(dates[b]))
        n = int(both.sum())
        if n < MIN_PAIR_ROWS:
            continue
        d = dates[b][both] - dates[a][both]
        if np.all(d == 0) or (d >= 0).mean() < MIN_REAL_ORDER:
            continue
        if (d > 0).mean() < 0.5 and any(o["first"] == b and o["second"] == a for o in out):
            continue  # mostly equal dates hold in both directions: keep the first direction only
        out.append({"first": a, "second": b, "real_rows": n, "real_broken": int((d < 0).sum())})
    return out


def temporal_order_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> list[MetricResult]:
    """One validity row per date order the real data obey: the share of synthetic rows (holding
    both dates) with the second date before the first; Wilson 95 % CI; score = 1 - share."""
    out = []
    for o in real_orders(real, schema):
        a, b = o["first"], o["second"]
        da, db = as_days(synthetic[a]), as_days(synthetic[b])
        both = ~(np.isnan(da) | np.isnan(db))
        n = int(both.sum())
        name = f"date_order:{a}<={b}"
        real_rate = o["real_broken"] / o["real_rows"]
        if n == 0:
            out.append(MetricResult.skipped(name, "validity", f"no synthetic row holds both {a} and {b}",
                                            direction="lower"))
            continue
        k = int((db[both] < da[both]).sum())
        out.append(metric(name, "validity", k / n, direction="lower", bounds=(0.0, 1.0), ci=wilson_interval(k, n),
                          notes=(f"share of {n:,} synthetic rows with {b} before {a}; the real data keep this "
                                 f"order in {1 - real_rate:.1%} of {o['real_rows']:,} rows; CI = Wilson 95 %"),
                          details={"first": a, "second": b, "broken": k, "rows": n, "real_rate": real_rate}))
    return out


def date_interval_rows(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """One row per pair of date columns (in real-median order): the interval second - first in days,
    its real and synthetic medians and the KS complement of the two interval distributions."""
    dates = schema.datetime
    med = {c: np.nanmedian(as_days(real[c])) if real[c].notna().any() else np.nan for c in dates}
    dates = sorted(dates, key=lambda c: (np.isnan(med[c]), med[c]))
    rows = []
    for a, b in itertools.combinations(dates, 2):
        r = as_days(real[b]) - as_days(real[a])
        s = as_days(synthetic[b]) - as_days(synthetic[a])
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        if len(r) < 2 or len(s) < 2:
            continue
        rows.append({"first": a, "second": b, "real_median_days": float(np.median(r)),
                     "synthetic_median_days": float(np.median(s)), "real_rows": len(r), "synthetic_rows": len(s),
                     "similarity": float(1.0 - stats.ks_2samp(r, s).statistic)})
    return pd.DataFrame(rows, columns=["first", "second", "real_median_days", "synthetic_median_days",
                                       "real_rows", "synthetic_rows", "similarity"])


def date_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> list[MetricResult]:
    """Fidelity rows for dates: each date column as days (KS complement; medians in the details),
    and the intervals between the date columns of one record."""
    out = []
    if not schema.datetime:
        return out
    per_col = []
    for c in schema.datetime:
        r, s = as_days(real[c]), as_days(synthetic[c])
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        if len(r) and len(s):
            per_col.append({"column": c, "real_median": str(pd.Timestamp(np.median(r) * DAY_NS)),
                            "synthetic_median": str(pd.Timestamp(np.median(s) * DAY_NS)),
                            "similarity": float(1.0 - stats.ks_2samp(r, s).statistic)})
    if per_col:
        v = np.array([p["similarity"] for p in per_col])
        out.append(metric("date_shape", "fidelity", float(v.mean()), score=None,
                          notes=(f"mean over {len(v)} date column(s) of the KS complement of the dates as days; "
                                 "already inside column_shape, so shown but not scored twice"),
                          details={"per_column": per_col}))
    pairs = date_interval_rows(real, synthetic, schema)
    if len(pairs):
        v = pairs["similarity"].to_numpy()
        out.append(metric("date_intervals", "fidelity", float(v.mean()),
                          notes=(f"mean over {len(v)} pair(s) of date columns of the KS complement of the interval "
                                 "(later - earlier, in days) within one record"),
                          details={"per_pair": pairs.to_dict(orient="records")}))
    return out
