import math

import numpy as np
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


# ---- honest intervals ----------------------------------------------------------------------------
@pytest.mark.parametrize("k,n", [(0, 1069), (1069, 1069), (0, 5), (5, 5), (3, 40), (517, 1000), (1, 1)])
def test_wilson_and_clopper_pearson_match_statsmodels_at_the_edges(k, n):
    from statsmodels.stats.proportion import proportion_confint

    from pharmasynth.evaluation import clopper_pearson_interval, wilson_interval

    assert wilson_interval(k, n) == pytest.approx(proportion_confint(k, n, 0.05, method="wilson"), abs=1e-12)
    assert clopper_pearson_interval(k, n) == pytest.approx(proportion_confint(k, n, 0.05, method="beta"), abs=1e-12)
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0 and hi - lo > 0   # never degenerate, even at 0/n and n/n
    if k == 0:
        assert lo == 0.0
    if k == n:
        assert hi == 1.0


def test_wilson_interval_covers_at_its_level():
    """Coverage by simulation from known p (n = 50): within 2 Monte-Carlo SE of 95 %, where Wald falls short."""
    from pharmasynth.evaluation import wilson_interval

    rng = np.random.default_rng(0)
    n, reps = 50, 4000
    for p in (0.02, 0.3):
        ks = rng.binomial(n, p, reps)
        cover = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(k, n) for k in ks)])
        se = np.sqrt(0.95 * 0.05 / reps)
        assert cover > 0.95 - 2 * se - 0.02, (p, cover)   # Wilson's known slight undercoverage at small n p
        wald = np.mean([abs(k / n - p) <= 1.96 * np.sqrt(max(k / n * (1 - k / n), 0) / n) for k in ks])
        if p == 0.02:
            assert wald < cover - 0.1                      # Wald collapses at k = 0 (36 % of draws)


def test_proportion_rows_and_bad_counts():
    from pharmasynth.evaluation import wilson_interval
    from pharmasynth.evaluation.metric import proportion

    m = proportion("violations", "validity", 0, 1069, direction="lower")
    assert m.value == 0 and m.ci[0] == 0.0 and m.ci[1] == pytest.approx(0.00358, abs=1e-5)
    assert proportion("x", "validity", 0, 0).status == "skipped"
    with pytest.raises(ValueError, match="outside"):
        wilson_interval(5, 4)
