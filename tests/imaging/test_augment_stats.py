"""The augmentation CIs: seeds AND held-out images are resampled; coverage against a known truth."""

import numpy as np
import pytest

from pharmasynth.imaging.augment_stats import (arm_summary, auc, bootstrap_draws, fraction_of_gain,
                                               replicate_metrics)

NAMES = ["common", "rare"]


def _probs(y, correct):
    """Predicted probabilities that are right exactly where `correct` is True."""
    pred = np.where(correct, y, 1 - y)
    p = np.full((len(y), 2), 0.1)
    p[np.arange(len(y)), pred] = 0.9
    return p


def test_auc_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(y, 1.0), 1)  # with ties
    assert auc(y == 1, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_seed_to_seed_variance_widens_the_interval():
    # the case: per-seed rare recall 1, 1, 0 was reported as 0.667 [0.667, 0.667]
    y = np.array([0] * 20 + [1] * 6)
    probs = [_probs(y, np.ones(26, bool)), _probs(y, np.ones(26, bool)), _probs(y, y == 0)]
    draws = bootstrap_draws(y, 3, 400, np.random.default_rng(0))
    s, mat = arm_summary(y, probs, [0, 1, 2], NAMES, 1, draws)
    r = s["per_class_recall"]["rare"]
    assert r["value"] == pytest.approx(2 / 3)
    assert r["ci_low"] <= 0.34 and r["ci_high"] == 1.0  # all seeds drawn alike: 0 .. 1 in thirds
    assert [p["per_class_recall"]["rare"] for p in s["per_seed"]] == [1.0, 1.0, 0.0]
    assert s["seed_sd"]["rare_recall"] == pytest.approx(np.std([1, 1, 0], ddof=1))
    assert mat.shape == (401, 4)


def test_coverage_of_the_seed_and_test_bootstrap():
    """Each seed's classifier has its own true rare recall q_s ~ Beta(6, 4) (mean 0.6); each test image
    of the rare class is recognised with probability q_s. The target is E[q] = 0.6 over seeds and
    test sets; the 95% interval should cover it in about 95% of runs (>= 44 of 50: 0.95 - 2 MC SE = 0.89)."""
    rng = np.random.default_rng(1)
    covered, sims = 0, 50
    for _ in range(sims):
        y = np.array([0] * 15 + [1] * 25)
        q = rng.beta(6, 4, 5)
        probs = [_probs(y, np.where(y == 1, rng.random(40) < qs, True)) for qs in q]
        draws = bootstrap_draws(y, 5, 120, rng)
        s, _ = arm_summary(y, probs, range(5), NAMES, 1, draws)
        r = s["per_class_recall"]["rare"]
        covered += r["ci_low"] <= 0.6 <= r["ci_high"]
    assert covered >= 44


def test_fraction_of_gain_is_paired_and_exact_on_known_arms():
    y = np.array([0] * 10 + [1] * 10)
    base = [_probs(y, y == 0)] * 2                                      # rare recall 0
    half = [_probs(y, (y == 0) | (np.arange(20) % 2 == 0))] * 2        # rare recall 0.5
    full = [_probs(y, np.ones(20, bool))] * 2                           # rare recall 1
    draws = bootstrap_draws(y, 2, 100, np.random.default_rng(0))
    mats = [arm_summary(y, p, [0, 1], NAMES, 1, draws)[1] for p in (base, half, full)]
    f = fraction_of_gain(*mats, NAMES)
    assert f["rare"]["value"] == pytest.approx(0.5)
    assert 0.15 <= f["rare"]["ci_low"] < 0.5 < f["rare"]["ci_high"] <= 0.85  # 10 rare images: binomial spread
    assert f["common"]["n_undefined"] == 100 and np.isnan(f["common"]["value"])  # the comparator gains nothing
    assert set(f) == {"common", "rare", "balanced_accuracy"}


def test_replicates_weight_a_seed_drawn_twice():
    y = np.array([0, 0, 1, 1])
    probs = [_probs(y, np.ones(4, bool)), _probs(y, y == 0)]
    out = replicate_metrics(y, probs, 2, 1, [(np.array([0, 0]), np.arange(4)), (np.array([0, 1]), np.arange(4))])
    assert out[0, 1] == 1.0 and out[1, 1] == 0.5
