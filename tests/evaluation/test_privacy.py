import pandas as pd

from pharmasynth.evaluation import Report, privacy_metrics
from pharmasynth.evaluation.tabular import align_tables


def _by_name(rows):
    return {m.name: m for m in rows}


def test_fresh_draws_look_private(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    m = _by_name(privacy_metrics(r, s, h, schema, sensitive=["site"], random_state=0))
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
    m = _by_name(privacy_metrics(r, s, h, schema, sensitive=["site"], random_state=0))
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
