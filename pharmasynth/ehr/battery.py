"""The standard battery of cohort queries, answered on real and synthetic timelines side by side.

Counts are compared as shares of all patients (a synthetic set may have any size); incidences per
1,000 person-years and means as they are. Each query's relative error is the median over its
groups of |synthetic - real| / |real|, with groups of fewer than `min_support` real events /
measurements / patients left out (their real answer is itself noise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .queries import parse, query
from .timelines import Timelines


def standard_battery(real: Timelines, n_events: int = 6, n_tests: int = 4) -> list[str]:
    """>= 20 queries built from the data's own event types, tests and attributes."""
    s = real.schema
    events = real.events[s.event].value_counts().index.tolist()[:n_events]
    tests = real.measurements[s.test].astype(str).value_counts().index.tolist()[:n_tests]
    binary = [c for c in real.attributes() if real.static[c].dropna().nunique() == 2][:1]
    group = f" by {binary[0]}" if binary else ""
    age = " by age_band" if "age" in real.static else ""
    out = [f"count{age}", "count where " + (f"{binary[0]} == 1" if binary else f"{s.followup} > 1826")]
    out += [f"count where history:{e} == 1" for e in events[:3]]
    out += ["incidence death", f"incidence death{age}"]
    for e in events:
        out.append(f"incidence {e}")
        out.append(f"incidence {e}{group}")
    if "bmi" in real.static:
        out.append(f"incidence {events[0]} by bmi_band")
    for t in tests:
        out.append(f"mean {t}{group}")
        out.append(f"mean {t} by year during 0..3652")
    if events and tests:
        out.append(f"mean {tests[0]} where ever:{events[0]} == 1")
    return out


def _answer(tl: Timelines, q: str) -> pd.DataFrame:
    a = query(tl, q)
    if parse(q)["kind"] == "count":
        a = a.assign(value=a["share"])
    return a


def compare_queries(real: Timelines, synthetic: Timelines, queries: list[str] | None = None,
                    min_support: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """-> (one row per query: real, synthetic, relative error; one row per query group)."""
    queries = queries or standard_battery(real)
    rows, groups = [], []
    for q in queries:
        try:
            r, y = _answer(real, q), _answer(synthetic, q)
        except Exception as exc:  # one bad query must not hide the others: shown as failed
            rows.append({"query": q, "real": None, "synthetic": None, "relative_error": None, "groups": 0,
                         "error": f"{type(exc).__name__}: {exc}"})
            continue
        keys = [c for c in r.columns if c not in ("value", "share", "n", "sd", "ci_low", "ci_high", "events",
                                                   "person_years", "amplification_divided_out")]
        m = r.merge(y, on=keys, how="left", suffixes=("_real", "_syn")) if keys else \
            r.add_suffix("_real").join(y.add_suffix("_syn"))
        m = m[m["n_real"] >= min_support]
        rel = (m["value_syn"] - m["value_real"]).abs() / m["value_real"].abs().replace(0, np.nan)
        m = m.assign(relative_error=rel, query=q)
        groups.append(m[["query", *keys, "value_real", "value_syn", "n_real", "relative_error"]])
        whole = len(m) == 1
        rows.append({"query": q, "real": float(m["value_real"].iloc[0]) if whole else None,
                     "synthetic": float(m["value_syn"].iloc[0]) if whole else None,
                     "relative_error": float(np.nanmedian(rel)) if rel.notna().any() else None,
                     "groups": int(len(m)), "error": None})
    return pd.DataFrame(rows), (pd.concat(groups, ignore_index=True) if groups else pd.DataFrame())
