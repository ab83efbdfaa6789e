import numpy as np
import pytest

from pharmasynth.errors import DataError
from pharmasynth.evaluation import utility_metrics
from pharmasynth.evaluation.tabular import align_tables


def _by_name(rows):
    return {m.name: m for m in rows}


def test_fresh_draws_lose_little_utility(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    m = _by_name(utility_metrics(r, s, h, schema, target="grade", random_state=0))
    loss = m["utility_loss_percent"]
    assert loss.value < 10 and loss.ci[0] <= loss.value <= loss.ci[1]
    assert m["tstr_auc"].value > 0.9


def test_shuffled_target_loses_utility(tables):
    real, fresh, holdout = tables
    bad = fresh.copy()
    bad["grade"] = np.random.default_rng(1).permutation(bad["grade"].to_numpy())
    r, s, h, schema = align_tables(real, bad, holdout)
    m = _by_name(utility_metrics(r, s, h, schema, target="grade", random_state=0))
    assert m["utility_loss_percent"].value > 60


def test_regression_target(tables):
    real, fresh, holdout = tables
    r, s, h, schema = align_tables(real, fresh, holdout)
    m = _by_name(utility_metrics(r, s, h, schema, target="y", random_state=0))
    assert m["utility_loss_percent"].details["task"] == "regression"
    assert m["tstr_r2"].value > 0.6


def test_no_holdout_or_target_is_skipped_not_failed(tables):
    real, fresh, _ = tables
    r, s, _, schema = align_tables(real, fresh)
    assert utility_metrics(r, s, None, schema, target="y")[0].status == "skipped"
    assert utility_metrics(r, s, r, schema, target=None)[0].status == "skipped"


def test_constant_target_is_a_clear_error(tables):
    real, fresh, holdout = tables
    real = real.assign(site="a")
    r, s, h, schema = align_tables(real, fresh, holdout)
    with pytest.raises(DataError, match="'site' is constant"):
        utility_metrics(r, s, h, schema, target="site")


def test_auc_when_a_resample_holds_two_of_three_classes():
    """A bootstrap resample of a small holdout can miss a rare class: the AUC over the two present
    classes is their binary AUC (found on the real pbc table, where status=1 is 6 % of rows)."""
    from sklearn.metrics import roc_auc_score

    from pharmasynth.evaluation.utility import _scores

    rng = np.random.default_rng(0)
    y = rng.choice(["0", "2"], 60)
    proba = rng.dirichlet([1, 1, 1], 60)
    got = _scores("classification", y, proba, ["0", "1", "2"], ["0", "1", "2"])["auc"]
    assert got == pytest.approx(roc_auc_score(y == "2", proba[:, 2] / (proba[:, 0] + proba[:, 2])))
