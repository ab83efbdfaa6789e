import math

import pytest

from pharmasynth.evaluation import MetricResult, guarded, metric, score_from_value
from pharmasynth.evaluation.metric import chance_score


def test_metric_knows_direction_and_bounds():
    m = metric("x", "privacy", 0.25, direction="lower")
    assert m.score == pytest.approx(0.75)
    t = metric("auc", "privacy", 0.7, direction="target", target=0.5)
    assert t.score is not None and t.score < 1
    with pytest.raises(ValueError):
        MetricResult(name="x", group="nonsense", value=1.0)


def test_scores_from_values():
    assert score_from_value(0.3, "higher") == pytest.approx(0.3)
    assert score_from_value(2.0, "lower", bounds=(0.0, 4.0)) == pytest.approx(0.5)
    assert score_from_value(0.5, "target", target=0.5) == 1.0
    with pytest.raises(ValueError, match="finite bounds"):
        score_from_value(1.0, "higher", bounds=(0.0, math.inf))
    assert metric("unbounded", "privacy", 3.0, bounds=(0.0, math.inf)).score is None
    assert metric("nan", "fidelity", float("nan")).status == "failed"


def test_chance_score_punishes_only_above_one_half():
    assert [chance_score(v) for v in (0.3, 0.5, 0.75, 1.0)] == [1.0, 1.0, 0.5, 0.0]


def test_guarded_turns_an_exception_into_a_failed_row():
    with pytest.warns(UserWarning, match="'boom' failed"):
        (row,) = guarded("boom", "utility", lambda: 1 / 0)
    assert row.status == "failed" and row.error.startswith("ZeroDivisionError") and "traceback" in row.details
    assert guarded("ok", "utility", lambda: metric("ok", "utility", 0.5)) == [metric("ok", "utility", 0.5)]
