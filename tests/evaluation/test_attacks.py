import numpy as np
import pytest


def test_fast_auc_and_tpr_match_sklearn_with_ties():
    """The sort-based AUC / TPR@1%FPR used in the bootstrap equals sklearn's exact ROC."""
    from sklearn.metrics import roc_auc_score, roc_curve

    from pharmasynth.evaluation.attacks import _auc_and_tpr

    rng = np.random.default_rng(0)
    for _ in range(100):
        n1, n0 = rng.integers(5, 400, 2)
        y = np.r_[np.ones(n1), np.zeros(n0)]
        s = np.round(rng.normal(size=n1 + n0) + 0.5 * y, int(rng.integers(0, 3)))  # rounding makes ties
        auc, tpr = _auc_and_tpr(s[y == 1], s[y == 0])
        fpr, tprs, _ = roc_curve(y, s, drop_intermediate=False)
        assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert tpr == pytest.approx(np.max(tprs[fpr <= 0.01]), abs=1e-12)


def test_roc_points_are_a_few_hundred_of_the_curves_own_points():
    from sklearn.metrics import roc_curve

    from pharmasynth.evaluation.attacks import roc_points

    rng = np.random.default_rng(1)
    y = np.r_[np.ones(3000), np.zeros(3000)]
    s = rng.normal(size=6000) + 0.3 * y
    fpr, tpr, _ = roc_curve(y, s)
    pts = roc_points(y, s, max_points=200)
    assert len(pts["fpr"]) == len(pts["tpr"]) <= 200 < len(fpr)
    assert (pts["fpr"][0], pts["tpr"][0], pts["fpr"][-1], pts["tpr"][-1]) == (fpr[0], tpr[0], fpr[-1], tpr[-1])
    assert set(zip(pts["fpr"], pts["tpr"])) <= set(zip(fpr, tpr))
    assert roc_points(y[::600], s[::600])["fpr"] == roc_curve(y[::600], s[::600])[0].tolist()   # short: all kept


def test_attack_producers_skip_or_fail_visibly(tables):
    from pharmasynth.evaluation import attribute_inference_metrics, membership_inference_metrics
    from pharmasynth.evaluation.tabular import align_tables

    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real.iloc[:200], fresh.iloc[:200], holdout.iloc[:30])
    (row,) = membership_inference_metrics(r, s, h, schema, random_state=0)
    assert row.name == "membership_inference_auc_worst" and row.status == "skipped" and "30 rows" in row.notes
    rows = attribute_inference_metrics(r, s, h, schema, ["site", "nope"], random_state=0)
    assert [m.name for m in rows] == ["attribute_inference_advantage:site", "attribute_inference_advantage:nope"]
    assert rows[0].status == "ok" and rows[1].status == "failed" and "'nope'" in rows[1].error
