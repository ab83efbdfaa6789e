"""Declared quasi-identifiers: k-anonymity, l-diversity and identifiability.

Quasi-identifiers (QIs) are the columns an attacker can learn elsewhere (age, sex, postcode,
admission date). Numbers are generalised into `bins` bins at the REAL column's quantiles and
dates to their year, as a disclosure-control officer would before counting classes.

    k_anonymity             the smallest number of synthetic rows sharing one QI combination
                            (Sweeney 2002); details: the share of synthetic rows in classes smaller
                            than `k` (Wilson CI) and the real table's own k for comparison
    l_diversity:<col>       the fewest distinct values of a sensitive column within one synthetic QI
                            class (distinct l-diversity, Machanavajjhala et al. 2007)
    identifiability         share of training records whose nearest synthetic record is closer than
                            their nearest other real record (Yoon et al. 2020, on the QIs, or every
                            column when none are declared), against the same share for holdout
                            records - records the generator never saw - on equal-size real sets;
                            score = 1 - excess over that control / its room to 1
k-anonymity and l-diversity describe the synthetic table itself (an independent real sample has
small classes too) and are reported, not scored; identifiability has a control and is scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.random import as_rng
from ..errors import SchemaError
from .metric import MetricResult, metric, wilson_interval
from .neighbours import DistanceEncoder, nearest_distances
from .tabular import TableSchema, as_float, subsample

K_DEFAULT = 5
BINS_DEFAULT = 5
IDENTIFIABILITY_MAX_ROWS = 2_000


def generalise(frames: list[pd.DataFrame], schema: TableSchema, qis, bins: int = BINS_DEFAULT) -> list[pd.Series]:
    """One class key per row and frame: numbers binned at the first frame's quantiles, dates to years."""
    keys = [[] for _ in frames]
    for c in qis:
        kind = schema.kinds[c]
        if kind == "datetime":
            parts = [f[c].dt.year.astype("Int64").astype(str) for f in frames]
        elif kind == "numeric":
            ref = as_float(frames[0][c])
            edges = np.unique(np.nanquantile(ref, np.linspace(0, 1, bins + 1)[1:-1])) if np.isfinite(ref).any() else []
            parts = []
            for f in frames:
                v = as_float(f[c])
                code = np.searchsorted(edges, v, side="right").astype(object)
                code[np.isnan(v)] = "NA"
                parts.append(pd.Series(code, index=f.index).astype(str))
        else:
            parts = [f[c].astype(object).where(f[c].notna(), "NA").astype(str) for f in frames]
        for k, p in zip(keys, parts):
            k.append(p.to_numpy())
    return [pd.Series(["\x1f".join(t) for t in zip(*k)], dtype=object) for k in keys]


def anonymity_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: TableSchema,
                      *, quasi_identifiers=(), sensitive=(), k: int = K_DEFAULT, bins: int = BINS_DEFAULT,
                      random_state=0, client=None) -> list[MetricResult]:
    """The rows above on aligned tables."""
    qis = list(quasi_identifiers)
    unknown = [c for c in qis + list(sensitive) if c not in schema.kinds]
    if unknown:
        raise SchemaError(f"quasi-identifier / sensitive column(s) {unknown} are not modelled columns of the real "
                          f"table (modelled: {schema.columns}).")
    out = []
    if not qis:
        why = "no quasi-identifiers declared (--quasi-identifiers COL ...)"
        out.append(MetricResult.skipped("k_anonymity", "privacy", why, direction="higher"))
    else:
        key_r, key_s = generalise([real, synthetic], schema, qis, bins)
        size_s = key_s.map(key_s.value_counts())
        k_syn, k_real = int(size_s.min()), int(key_r.value_counts().min())
        small = int((size_s < k).sum())
        out.append(metric("k_anonymity", "privacy", k_syn, direction="higher", bounds=(1.0, float("inf")), score=None,
                          notes=f"smallest synthetic class on {qis} (numbers in {bins} real-quantile bins, dates as "
                                f"years); {small / len(size_s):.2%} of synthetic rows sit in classes under k={k}; the "
                                f"real table's own k is {k_real}. Reported, not scored",
                          details={"share_below_k": small / len(size_s), "share_below_k_ci": wilson_interval(small, len(size_s)),
                                   "k": k, "k_real": k_real, "n_classes": int(key_s.nunique())}))
        for c in sensitive:
            if c in qis:
                continue
            l_per = synthetic[c].astype(object).groupby(key_s.to_numpy()).nunique(dropna=False)
            l_real = real[c].astype(object).groupby(key_r.to_numpy()).nunique(dropna=False)
            out.append(metric(f"l_diversity:{c}", "privacy", int(l_per.min()), direction="higher",
                              bounds=(1.0, float("inf")), score=None,
                              notes=f"fewest distinct {c!r} values in one synthetic class on {qis}; "
                                    f"{(l_per < 2).mean():.2%} of classes hold a single value (real table: l = "
                                    f"{int(l_real.min())}). Reported, not scored",
                              details={"share_classes_l1": float((l_per < 2).mean()), "l_real": int(l_real.min())}))
    out.append(_identifiability(real, synthetic, holdout, schema, qis, random_state, client))
    return out


def _identifiability(real, synthetic, holdout, schema, qis, random_state, client) -> MetricResult:
    name = "identifiability"
    if holdout is None or len(holdout) < 20:
        return MetricResult.skipped(name, "privacy", "needs a real holdout of at least 20 rows (the control)",
                                    direction="lower")
    rng = as_rng(random_state)
    cols = qis or schema.columns
    sub = TableSchema({c: schema.kinds[c] for c in cols})
    n = min(len(real), len(holdout), IDENTIFIABILITY_MAX_ROWS)
    syn = subsample(synthetic, 20_000, rng)[cols]
    enc = DistanceEncoder(sub, real[cols], [syn, holdout[cols]])

    def share(pool):
        pool = subsample(pool, n, rng)[cols]
        d_syn = nearest_distances(pool, syn, sub, k=1, client=client, encoder=enc)[0][:, 0]
        d_real = nearest_distances(pool, pool, sub, k=2, client=client, encoder=enc)[0][:, 1]  # [:, 0] is itself
        hit = d_syn < d_real
        return int(hit.sum()), len(hit)

    k_t, n_t = share(real)
    k_c, n_c = share(holdout)
    p_t, p_c = k_t / n_t, k_c / n_c
    excess = max(p_t - p_c, 0.0) / (1.0 - p_c) if p_c < 1 else 0.0
    return metric(name, "privacy", p_t, direction="lower", bounds=(0.0, 1.0), ci=wilson_interval(k_t, n_t),
                  score=float(1.0 - excess),
                  notes=f"share of {n_t:,} training records whose nearest synthetic record is closer than their nearest "
                        f"other training record (of {n:,}), on {'the quasi-identifiers' if qis else 'every column'}; "
                        f"holdout records (control, same sizes): {p_c:.3f}; score = 1 - excess / (1 - control); Wilson CI",
                  details={"control": p_c, "control_ci": wilson_interval(k_c, n_c), "columns": list(cols)})
