import numpy as np
import pandas as pd

from pharmasynth.evaluation import IndependentMarginals, fidelity_metrics
from pharmasynth.evaluation.fidelity import correlation_similarity, cramers_v, ks_complement, tv_complement
from pharmasynth.evaluation.tabular import align_tables


def _values(rows):
    return {m.name: m.value for m in rows}


def test_same_distribution_scores_high(tables):
    real, fresh, _ = tables
    r, s, _, schema = align_tables(real, fresh)
    v = _values(fidelity_metrics(r, s, schema, random_state=0))
    assert v["column_shape"] > 0.93
    assert v["pair_trends_strong"] > 0.9
    assert abs(v["detection_auc"] - 0.5) < 0.07


def test_independent_marginals_break_pairs_but_not_shapes(tables):
    real, fresh, _ = tables
    base = IndependentMarginals(random_state=0).fit(real).sample(len(real))
    r, s, _, schema = align_tables(real, base)
    v = _values(fidelity_metrics(r, s, schema, random_state=0))
    r2, s2, _, _ = align_tables(real, fresh)
    good = _values(fidelity_metrics(r2, s2, schema, random_state=0))
    assert v["column_shape"] > 0.93                       # shapes kept
    assert v["pair_trends_strong"] < good["pair_trends_strong"] - 0.15   # relations lost
    assert v["detection_auc"] > 0.75                      # and a classifier notices


def test_ks_and_tv_known_values():
    a = pd.Series(np.arange(100.0))
    assert ks_complement(a, a) == 1.0
    assert ks_complement(a, a + 1000) == 0.0
    assert tv_complement(pd.Series(list("aabb")), pd.Series(list("aaaa"))) == 0.5


def test_correlation_similarity_and_cramers_v():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    sim, rr, rs = correlation_similarity(x, x, x, -x)
    assert abs(rr - 1) < 1e-9 and abs(rs + 1) < 1e-9 and abs(sim) < 1e-9
    a = pd.Series(rng.integers(0, 3, 3000))
    assert cramers_v(a, a) > 0.99
    assert cramers_v(a, pd.Series(rng.integers(0, 3, 3000))) < 0.05


def test_independent_marginals_keep_shapes_missing_rates_and_seed(tables):
    real, _, _ = tables
    a = IndependentMarginals(random_state=5).fit(real).sample(20_000)
    b = IndependentMarginals(random_state=5).fit(real).sample(20_000)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == list(real.columns) and (a.dtypes == real.dtypes).all()
    assert abs(a["count"].isna().mean() - real["count"].isna().mean()) < 0.01
    assert ks_complement(real["x"], a["x"]) > 0.95
    # relations are gone: x and y were correlated at 0.9
    assert abs(np.corrcoef(a["x"], a["y"])[0, 1]) < 0.05


def test_detection_auc_recovers_a_known_shift():
    """Real N(0,1) vs synthetic N(delta,1) in one column: the Bayes AUC is Phi(delta/sqrt(2))."""
    from scipy.stats import norm

    from pharmasynth.evaluation.fidelity import detection_auc
    from pharmasynth.evaluation.tabular import TableSchema

    rng = np.random.default_rng(0)
    delta = 1.0
    real = pd.DataFrame({"v": rng.normal(size=3000)})
    syn = pd.DataFrame({"v": rng.normal(delta, 1, size=3000)})
    auc, (lo, hi), n = detection_auc(real, syn, TableSchema({"v": "numeric"}), random_state=0)
    assert n == 3000 and lo <= auc <= hi
    assert abs(auc - norm.cdf(delta / np.sqrt(2))) < 0.03


def test_pair_trends_counts_equal_the_crosstab_reference_on_a_real_table():
    """pair_trends counts discrete pairs with bincount; the per-pair crosstab functions are the reference."""
    import sys
    from pathlib import Path

    import pytest

    from pharmasynth.evaluation.fidelity import _discretise, contingency_similarity, cramers_v, pair_trends

    sys.path.insert(0, str(Path(__file__).parent))
    from real_tables import load_real_table

    df, kw = load_real_table("colon")
    r, s, _, schema = align_tables(df.iloc[:500], df.iloc[500:], options=kw["columns"])
    pairs = pair_trends(r, s, schema)
    disc = pairs[pairs["method"] == "contingency"]
    assert len(disc) > 50
    for row in disc.itertuples():
        da = _discretise(r[row.column_a], s[row.column_a], schema.kinds[row.column_a])
        db = _discretise(r[row.column_b], s[row.column_b], schema.kinds[row.column_b])
        assert row.similarity == pytest.approx(contingency_similarity(da[0], db[0], da[1], db[1]), abs=1e-12)
        assert row.strength == pytest.approx(cramers_v(da[0], db[0]), abs=1e-12)
