"""Built-in validity: values the real data never allow (SDMetrics' BoundaryAdherence and
CategoryAdherence, pooled over columns with a Wilson interval).

Validity is a weighted group of the headline, so it needs rows even when no rules file is given:
    boundary_adherence  share of synthetic numeric / date cells inside the real column's [min, max]
    category_adherence  share of synthetic categorical cells holding a category the real column has
Missing cells are left out of both (missing rates are a fidelity question).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .metric import MetricResult, proportion
from .tabular import TableSchema, as_float


def adherence_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> list[MetricResult]:
    """The two rows above (a row is skipped when the table has no column of its kind)."""
    out = []
    per_col, k_all, n_all, slack = [], 0, 0, 0.0
    for c in schema.of_kind("numeric", "datetime"):
        r, s = as_float(real[c]), as_float(synthetic[c])
        s = s[~np.isnan(s)]
        if not np.isfinite(r).any() or len(s) == 0:
            continue
        lo, hi = np.nanmin(r), np.nanmax(r)
        k = int(((s >= lo) & (s <= hi)).sum())
        per_col.append({"column": c, "in_range": k / len(s), "n": len(s)})
        k_all, n_all = k_all + k, n_all + len(s)
        # a fresh draw from the real distribution falls outside the min and max of n_real draws with
        # probability 2 / (n_real + 1): that much is sampling, not invalidity
        slack += len(s) * 2.0 / (np.isfinite(r).sum() + 1)
    if n_all:
        worst = sorted(per_col, key=lambda d: d["in_range"])[:3]
        expected_out = slack / n_all
        excess = max(1.0 - k_all / n_all - expected_out, 0.0)
        out.append(proportion("boundary_adherence", "validity", k_all, n_all, direction="higher",
                              score=float(1.0 - excess / (1.0 - expected_out)),
                              notes=f"share of {n_all:,} synthetic numeric/date cells inside the real column's range; "
                                    f"fresh real draws fall outside it at about {expected_out:.2%} (2 / (n_real + 1) "
                                    "per column), so score = 1 - excess over that / its room; worst: "
                                    + ", ".join(f"{d['column']} {d['in_range']:.2%}" for d in worst),
                              details={"per_column": per_col, "expected_out_of_range": expected_out}))
    else:
        out.append(MetricResult.skipped("boundary_adherence", "validity", "no numeric or date column"))
    per_col, k_all, n_all = [], 0, 0
    for c in schema.categorical:
        known = set(real[c].dropna().astype(str))
        s = synthetic[c].dropna().astype(str)
        if len(s) == 0:
            continue
        k = int(s.isin(known).sum())
        unseen = s[~s.isin(known)].value_counts().head(3)
        per_col.append({"column": c, "known": k / len(s), "n": len(s), "unseen_examples": unseen.index.tolist()})
        k_all, n_all = k_all + k, n_all + len(s)
    if n_all:
        worst = sorted(per_col, key=lambda d: d["known"])[:3]
        out.append(proportion("category_adherence", "validity", k_all, n_all, direction="higher",
                              notes=f"share of {n_all:,} synthetic categorical cells holding a category the real "
                                    "column has; worst: " + ", ".join(f"{d['column']} {d['known']:.2%}" for d in worst),
                              details={"per_column": per_col}))
    else:
        out.append(MetricResult.skipped("category_adherence", "validity", "no categorical column"))
    return out
