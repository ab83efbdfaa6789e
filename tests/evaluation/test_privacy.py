import numpy as np
import pytest
import pandas as pd

from pharmasynth.evaluation import privacy_report
from pharmasynth.evaluation.tabular import align_tables


def _by_name(rep):
    return {m.name: m for m in rep.metrics}


def test_fresh_draws_look_private(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    m = _by_name(privacy_report(r, s, h, schema, sensitive=["site"], random_state=0, plots=False))
    assert m["exact_copy_rate"].value == 0
    share = m["dcr_share_closer_to_train"]
    assert share.ci[0] - 0.02 <= 0.5 <= share.ci[1] + 0.02
    worst = m["membership_inference_auc_worst"]
    assert abs(worst.value - 0.5) < 0.08
    adv = m["attribute_inference_advantage:site"]
    assert abs(adv.value) < 0.06


def test_copied_training_rows_are_caught(tables):
    real, _, holdout = tables
    copies = real.sample(len(real), replace=True, random_state=0).reset_index(drop=True)
    r, s, h, schema = align_tables(real, copies, holdout)
    m = _by_name(privacy_report(r, s, h, schema, sensitive=["site"], random_state=0, plots=False))
    assert m["exact_copy_rate"].value == 1.0 and m["exact_copy_rate"].score == 0.0
    # the share compares equal-size samples (600 of the 1,200 training rows vs the 600 holdout
    # rows): half the copies have their source in the sample (share 1), half compete like fresh
    # draws (share ~0.5), so the known truth is ~0.75, far from the ideal 0.5
    share = m["dcr_share_closer_to_train"]
    assert share.value > 0.68 and share.ci[0] > 0.6
    assert m["dcr_overfitting_protection"].value < 0.1
    assert m["membership_inference_auc_worst"].value > 0.8
    assert m["mia_distance_tpr_at_1pct_fpr"].value > 0.3
    assert m["attribute_inference_advantage:site"].value > 0.2


def test_without_holdout_rows_are_skipped(tables):
    real, fresh, _ = tables
    r, s, _, schema = align_tables(real, fresh)
    m = _by_name(privacy_report(r, s, None, schema, random_state=0, plots=False))
    assert m["dcr_share_closer_to_train"].status == "skipped"
    assert m["membership_inference_auc_worst"].status == "skipped"
    assert m["exact_copy_rate"].status == "ok"


def test_same_seed_same_report(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    a = privacy_report(r, s, h, schema, random_state=3, plots=False).details()
    b = privacy_report(r, s, h, schema, random_state=3, plots=False).details()
    pd.testing.assert_frame_equal(a, b)


def test_fast_auc_and_tpr_match_sklearn_with_ties():
    """The sort-based AUC / TPR@1%FPR used in the bootstrap equals sklearn's exact ROC."""
    from sklearn.metrics import roc_auc_score, roc_curve

    from pharmasynth.evaluation.privacy import _auc_and_tpr

    rng = np.random.default_rng(0)
    for _ in range(100):
        n1, n0 = rng.integers(5, 400, 2)
        y = np.r_[np.ones(n1), np.zeros(n0)]
        s = np.round(rng.normal(size=n1 + n0) + 0.5 * y, int(rng.integers(0, 3)))  # rounding makes ties
        auc, tpr = _auc_and_tpr(s[y == 1], s[y == 0])
        fpr, tprs, _ = roc_curve(y, s, drop_intermediate=False)
        assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert tpr == pytest.approx(np.max(tprs[fpr <= 0.01]), abs=1e-12)
