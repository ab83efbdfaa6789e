import pandas as pd
import pytest

from pharmasynth.evaluation import Report, privacy_metrics
from pharmasynth.evaluation.tabular import align_tables


def _by_name(rows):
    return {m.name: m for m in rows}


def test_fresh_draws_look_private(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    m = _by_name(privacy_metrics(r, s, h, schema, sensitive=["site"], random_state=0))
    assert m["exact_copy_rate"].value == 0
    # against the full training table (1,200) and the holdout (600), fresh draws land nearest a
    # training record with probability 1,200 / 1,800: the known no-memorisation value
    share = m["dcr_share_closer_to_train"]
    assert share.target == pytest.approx(2 / 3)
    assert share.ci[0] - 0.02 <= 2 / 3 <= share.ci[1] + 0.02 and share.score > 0.9
    worst = m["membership_inference_auc_worst"]
    assert abs(worst.value - 0.5) < 0.08
    adv = m["attribute_inference_advantage:site"]
    assert abs(adv.value) < 0.06 and adv.score is None   # reported; anonymeter's risk is the scored one
    for name in ("singling_out_risk", "linkability_risk", "inference_risk:site"):
        assert m[name].status == "ok" and m[name].ci[0] <= 0.1, name


def test_copied_training_rows_are_caught(tables):
    real, _, holdout = tables
    copies = real.sample(len(real), replace=True, random_state=0).reset_index(drop=True)
    r, s, h, schema = align_tables(real, copies, holdout)
    m = _by_name(privacy_metrics(r, s, h, schema, sensitive=["site"], random_state=0))
    assert m["exact_copy_rate"].value == 1.0 and m["exact_copy_rate"].score == 0.0
    # every synthetic row is a copy, so every one sits at distance 0 from the full training table:
    # the share is exactly 1 (an equal-size subsample of the training side read only ~0.75 here)
    share = m["dcr_share_closer_to_train"]
    assert share.value == 1.0 and share.score == 0.0
    assert m["dcr_overfitting_protection"].value < 0.1
    # drawn with replacement, the copies hold 1 - 1/e = 63 % of the training rows; a member that was
    # not copied looks like a non-member, so the best possible AUC is 0.5 + 0.5 x 0.632 = 0.816
    # (3 binomial SE on 300 members: 0.04)
    for attack in ("distance", "domias"):
        assert m[f"mia_{attack}_auc"].value > 0.816 - 0.045, attack
    assert m["mia_distance_tpr_at_1pct_fpr"].value > 0.3
    assert m["attribute_inference_advantage:site"].value > 0.2
    assert m["inference_risk:site"].value > 0.5 and m["singling_out_risk"].value > 0.5


def test_both_membership_attacks_see_exact_copies(tables):
    """The density-ratio attack too: a Gaussian-mixture density moved only to AUC 0.52-0.61 on copies."""
    real, _, holdout = tables
    r, s, h, schema = align_tables(real, real.copy(), holdout)
    m = _by_name(privacy_metrics(r, s, h, schema, random_state=1))
    assert m["mia_domias_auc"].value > 0.95 and m["mia_distance_auc"].value > 0.95
    assert m["mia_domias_tpr_at_1pct_fpr"].ci[0] > 0.9        # a Wilson interval on the members


def test_without_holdout_rows_are_skipped(tables):
    real, fresh, _ = tables
    r, s, _, schema = align_tables(real, fresh)
    m = _by_name(privacy_metrics(r, s, None, schema, random_state=0))
    assert m["dcr_share_closer_to_train"].status == "skipped"
    assert m["membership_inference_auc_worst"].status == "skipped"
    assert m["exact_copy_rate"].status == "ok"


def test_same_seed_same_report(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    a = Report(privacy_metrics(r, s, h, schema, random_state=3)).details()
    b = Report(privacy_metrics(r, s, h, schema, random_state=3)).details()
    pd.testing.assert_frame_equal(a, b)


def test_the_sdmetrics_scores_in_the_report_are_the_standalone_functions(tables):
    """One implementation serves both: on the same synthetic rows the report's rows equal the functions."""
    from pharmasynth.evaluation import dcr_baseline_protection, dcr_overfitting_protection

    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real.iloc[:400], fresh.iloc[:300], holdout.iloc[:200])
    m = _by_name(privacy_metrics(r, s, h, schema, random_state=0))
    over = dcr_overfitting_protection(r, s, h, schema)
    assert m["dcr_overfitting_protection"].value == over["score"]
    assert m["dcr_overfitting_protection"].details["share_closer_to_train"] == over["closer_to_training"]
    base = dcr_baseline_protection(r, s, schema, random_state=0)
    assert m["dcr_baseline_protection"].details["median_dcr_synthetic"] == base["median_dcr_synthetic"]
