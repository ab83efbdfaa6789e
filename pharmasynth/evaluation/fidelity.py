"""Fidelity: does the synthetic table look like the real one?

- column shape: KS complement (numeric, datetime) / TV complement (categorical, boolean)
- missing-rate match per column
- pair trends over ALL column pairs: correlation similarity (numeric-numeric) or contingency
  similarity (any pair with a discrete side; numerics binned at the real table's quantiles)
- detection: cross-validated ROC AUC of a classifier telling real from synthetic, mapped so that
  0.5 (indistinguishable) -> 1 and 1.0 (perfectly separable) -> 0
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from .._util.random import as_rng
from .metric import MetricResult, chance_score, metric
from .tabular import TableSchema, as_float, encode_for_model
from .temporal import date_metrics
from .utility import gradient_boosting, one_thread

N_BINS = 10
STRONG_PAIR = 0.3


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - two-sample KS statistic on non-missing values (1 = same distribution)."""
    r, s = as_float(real), as_float(synthetic)
    r, s = r[~np.isnan(r)], s[~np.isnan(s)]
    if len(r) == 0 or len(s) == 0:
        return 0.0
    return float(1.0 - stats.ks_2samp(r, s).statistic)


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - total variation distance between category frequencies (missing excluded)."""
    pr = real.dropna().value_counts(normalize=True)
    ps = synthetic.dropna().value_counts(normalize=True)
    if len(pr) == 0 or len(ps) == 0:
        return 0.0
    cats = pr.index.union(ps.index)
    return float(1.0 - 0.5 * np.abs(pr.reindex(cats, fill_value=0) - ps.reindex(cats, fill_value=0)).sum())


def _discretise(real: pd.Series, other: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Map a column to discrete codes; numerics are binned at the REAL column's quantiles."""
    if kind in ("numeric", "datetime"):
        r, o = as_float(real), as_float(other)
        edges = np.unique(np.nanquantile(r, np.linspace(0, 1, N_BINS + 1)[1:-1])) if np.isfinite(r).any() else []
        def cut(v):
            codes = np.searchsorted(edges, v, side="right").astype(object)
            codes[np.isnan(v)] = "NA"
            return pd.Series(codes.astype(str))
        return cut(r), cut(o)
    return (real.fillna("NA").astype(str).reset_index(drop=True),
            other.fillna("NA").astype(str).reset_index(drop=True))


def cramers_v(a: pd.Series, b: pd.Series) -> float:
    """Bias-corrected Cramér's V between two discrete columns (0 = independent, 1 = determined)."""
    table = pd.crosstab(a, b).to_numpy()
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    r, k = table.shape
    phi2 = max(chi2 / n - (k - 1) * (r - 1) / max(n - 1, 1), 0.0)
    rc, kc = r - (r - 1) ** 2 / max(n - 1, 1), k - (k - 1) ** 2 / max(n - 1, 1)
    den = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / den)) if den > 0 else 0.0


def contingency_similarity(a_real, b_real, a_syn, b_syn) -> float:
    """1 - TV distance between the joint frequency tables of two discrete columns."""
    pr = pd.crosstab(a_real, b_real, normalize=True).stack()
    ps = pd.crosstab(a_syn, b_syn, normalize=True).stack()
    idx = pr.index.union(ps.index)
    return float(1.0 - 0.5 * np.abs(pr.reindex(idx, fill_value=0) - ps.reindex(idx, fill_value=0)).sum())


def correlation_similarity(x_real, y_real, x_syn, y_syn) -> tuple[float, float, float]:
    """(1 - |r_real - r_syn| / 2, r_real, r_syn) with Pearson r on complete pairs."""
    def r(x, y):
        ok = ~(np.isnan(x) | np.isnan(y))
        if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
            return 0.0
        return float(np.corrcoef(x[ok], y[ok])[0, 1])
    rr, rs = r(x_real, y_real), r(x_syn, y_syn)
    return 1.0 - abs(rr - rs) / 2.0, rr, rs


def _joint_codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of a discretised column shared by both tables, and the number of codes."""
    codes, uniques = pd.factorize(pd.concat([real, synthetic], ignore_index=True), sort=False)
    return codes[:len(real)], codes[len(real):], len(uniques)


def _joint_frequencies(a: np.ndarray, b: np.ndarray, kb: int, size: int) -> np.ndarray:
    return np.bincount(a.astype(np.int64) * kb + b, minlength=size) / max(len(a), 1)


def _cramers_v_counts(table: np.ndarray) -> float:
    """`cramers_v` from a contingency table of counts (empty rows/columns dropped, as crosstab does)."""
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    r, k = table.shape
    phi2 = max(chi2 / n - (k - 1) * (r - 1) / max(n - 1, 1), 0.0)
    rc, kc = r - (r - 1) ** 2 / max(n - 1, 1), k - (k - 1) ** 2 / max(n - 1, 1)
    den = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / den)) if den > 0 else 0.0


def pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """One row per column pair: kind of comparison, similarity, and the real/synthetic correlations.

    Discrete pairs are counted with one `bincount` of shared integer codes per table (not a
    crosstab per pair: with a few hundred pairs that was most of the fidelity time); the values
    equal `contingency_similarity` and `cramers_v` on the same columns.
    """
    rows = []
    disc = {c: _joint_codes(*_discretise(real[c], synthetic[c], k)) for c, k in schema.kinds.items()}
    num = {c: (as_float(real[c]), as_float(synthetic[c])) for c in schema.of_kind("numeric", "datetime")}
    for a, b in itertools.combinations(schema.columns, 2):
        if a in num and b in num:
            sim, rr, rs = correlation_similarity(num[a][0], num[b][0], num[a][1], num[b][1])
            rows.append({"column_a": a, "column_b": b, "method": "correlation", "similarity": sim,
                         "real": rr, "synthetic": rs, "strength": abs(rr)})
        else:
            (ar, as_, ka), (br, bs, kb) = disc[a], disc[b]
            pr = _joint_frequencies(ar, br, kb, ka * kb)
            ps = _joint_frequencies(as_, bs, kb, ka * kb)
            sim = float(1.0 - 0.5 * np.abs(pr - ps).sum())
            strength = _cramers_v_counts((pr * len(ar)).round().reshape(ka, kb))
            rows.append({"column_a": a, "column_b": b, "method": "contingency", "similarity": sim,
                         "real": np.nan, "synthetic": np.nan, "strength": strength})
    return pd.DataFrame(rows, columns=["column_a", "column_b", "method", "similarity", "real", "synthetic", "strength"])


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    rows = []
    for c, k in schema.kinds.items():
        if k in ("numeric", "datetime"):
            rows.append({"column": c, "kind": k, "method": "KS complement", "similarity": ks_complement(real[c], synthetic[c])})
        else:
            rows.append({"column": c, "kind": k, "method": "TV complement", "similarity": tv_complement(real[c], synthetic[c])})
        mr, ms = real[c].isna().mean(), synthetic[c].isna().mean()
        rows[-1].update({"missing_real": mr, "missing_synthetic": ms, "missing_match": 1.0 - abs(mr - ms)})
    return pd.DataFrame(rows)


def _bootstrap_mean_ci(values: np.ndarray, rng, n_boot: int = 500) -> tuple[float, float]:
    """CI of a mean over columns/pairs (describes spread across columns, not sampling error)."""
    if len(values) < 2:
        return (float(values.mean()), float(values.mean())) if len(values) else (np.nan, np.nan)
    means = rng.choice(values, size=(n_boot, len(values)), replace=True).mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def detection_auc(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, *, random_state=0,
                  max_rows: int = 20_000, n_splits: int = 5) -> tuple[float, tuple[float, float], int]:
    """Cross-validated ROC AUC of HistGradientBoosting telling real (1) from synthetic (0).

    Both sides are subsampled to the same size (<= max_rows each) so the AUC is not driven by
    class imbalance. Returns (mean AUC, (min, max) over folds, rows per side).
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    rng = as_rng(random_state)
    n = min(len(real), len(synthetic), max_rows)
    r = real.iloc[rng.choice(len(real), n, replace=False)]
    s = synthetic.iloc[rng.choice(len(synthetic), n, replace=False)]
    xr, xs = encode_for_model([r, s], schema)
    X = np.vstack([xr, xs])
    y = np.r_[np.ones(n), np.zeros(n)]
    aucs = []
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
    for tr, te in folds.split(X, y):
        clf = gradient_boosting("classification", schema.categorical_mask(), int(rng.integers(2**31 - 1)), max_iter=100)
        with one_thread():
            clf.fit(X[tr], y[tr])
            aucs.append(roc_auc_score(y[te], clf.predict_proba(X[te])[:, 1]))
    return float(np.mean(aucs)), (float(np.min(aucs)), float(np.max(aucs))), n


def marginal_histogram(real: pd.Series, synthetic: pd.Series, kind: str, bins: int = 29,
                       max_categories: int = 10) -> dict:
    """What a marginal plot of one column needs: bin edges and counts on `bins` equal bins over the
    central 99 % of both columns (numeric, datetime; missing values left out), or the counts of the
    real table's most common categories (missing counted as "NA") out of `n_real` and `n_synthetic` rows."""
    if kind in ("numeric", "datetime"):
        r, s = as_float(real), as_float(synthetic)
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        lo, hi = np.quantile(np.r_[r, s], [0.005, 0.995]) if len(r) + len(s) else (0.0, 1.0)
        edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
        return {"edges": edges.tolist(), "real": np.histogram(r, edges)[0].tolist(),
                "synthetic": np.histogram(s, edges)[0].tolist()}
    pr, ps = real.fillna("NA").value_counts(), synthetic.fillna("NA").value_counts()
    cats = pr.index[:max_categories]
    return {"categories": [str(c) for c in cats], "real": pr.reindex(cats, fill_value=0).tolist(),
            "synthetic": ps.reindex(cats, fill_value=0).tolist(), "n_real": len(real), "n_synthetic": len(synthetic)}


def fidelity_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, *, random_state=0,
                     detection_max_rows: int = 20_000, max_rows: int = 200_000) -> list[MetricResult]:
    """Fidelity metric rows; tables larger than `max_rows` are subsampled (stated in the notes).

    The rows carry what the figures need: `column_shape` its per-column similarities and
    histograms, `pair_trends` every pair's similarity.
    """
    rng = as_rng(random_state)
    notes = ""
    if len(synthetic) > max_rows or len(real) > max_rows:
        notes = f"shape/pair metrics on a random subsample of at most {max_rows:,} rows per table"
        real = real.iloc[np.sort(rng.choice(len(real), min(len(real), max_rows), replace=False))]
        synthetic = synthetic.iloc[np.sort(rng.choice(len(synthetic), min(len(synthetic), max_rows), replace=False))]
    out = []
    shapes = column_shapes(real, synthetic, schema)
    per_column = [{**row, "histogram": marginal_histogram(real[row["column"]], synthetic[row["column"]], row["kind"])}
                  for row in shapes.to_dict(orient="records")]
    v = shapes["similarity"].to_numpy()
    out.append(metric("column_shape", "fidelity", float(v.mean()), ci=_bootstrap_mean_ci(v, rng),
                      notes=("mean over columns of KS complement (numeric) / TV complement (categorical); "
                             "CI = bootstrap over columns. " + notes).strip(),
                      details={"per_column": per_column}))
    mm = shapes["missing_match"].to_numpy()
    out.append(metric("missing_rate_match", "fidelity", float(mm.mean()), ci=_bootstrap_mean_ci(mm, rng),
                      notes="mean over columns of 1 - |missing rate real - missing rate synthetic|"))
    pairs = pair_trends(real, synthetic, schema)
    if len(pairs):
        pv = pairs["similarity"].to_numpy()
        worst = pairs.nsmallest(5, "similarity")[["column_a", "column_b", "method", "similarity"]]
        out.append(metric("pair_trends", "fidelity", float(pv.mean()), ci=_bootstrap_mean_ci(pv, rng),
                          notes=f"mean over all {len(pairs)} column pairs of correlation similarity (numeric-numeric) "
                                f"or contingency similarity ({N_BINS} quantile bins for numerics); CI = bootstrap over pairs",
                          details={"per_pair": pairs.to_dict(orient="records"),
                                   "worst_pairs": worst.to_dict(orient="records")}))
        strong = pairs[pairs["strength"] >= STRONG_PAIR]
        if len(strong):
            sv = strong["similarity"].to_numpy()
            out.append(metric("pair_trends_strong", "fidelity", float(sv.mean()), ci=_bootstrap_mean_ci(sv, rng),
                              notes=f"mean similarity over the {len(strong)} pairs related in the REAL data "
                                    f"(|r| or Cramér's V >= {STRONG_PAIR}); the mean over all pairs is diluted by "
                                    "unrelated pairs that any generator gets right",
                              details={"pairs": strong[["column_a", "column_b", "strength", "similarity"]]
                                       .to_dict(orient="records")}))
    out.extend(date_metrics(real, synthetic, schema))
    auc, (lo, hi), n = detection_auc(real, synthetic, schema, random_state=rng, max_rows=detection_max_rows)
    out.append(metric("detection_auc", "fidelity", auc, direction="target", target=0.5, bounds=(0.0, 1.0),
                      score=chance_score(auc), ci=(lo, hi),
                      notes=f"5-fold CV ROC AUC of gradient boosting telling real from synthetic on {n:,} rows each; "
                            "0.5 = indistinguishable; score = 1 - 2*max(AUC-0.5, 0); CI = range over folds"))
    return out
