"""Several draws of a synthetic control arm: Rubin's rules by hand, and a truth test - combined
draws cover the true effect at the nominal rate, stacked draws do not."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pharmasynth.errors import DataError
from pharmasynth.trials.multiple_draws import (perturbed_twin, rubin_combine, synthetic_arm_combine,
                                               synthetic_control_effect)
from pharmasynth.trials.twin import DigitalTwin


def test_rubin_combine_by_hand():
    q, u = np.array([1.0, 1.4, 0.8, 1.2, 1.1]), np.array([0.04, 0.05, 0.045, 0.05, 0.04])
    r = rubin_combine(q, u, alpha=0.1).iloc[0]
    W, B, M = u.mean(), q.var(ddof=1), 5
    T = W + (1 + 1 / M) * B
    df = (M - 1) / ((1 + 1 / M) * B / T) ** 2
    assert r.effect == pytest.approx(q.mean()) and r.se == pytest.approx(np.sqrt(T)) and r.df == pytest.approx(df)
    assert r.ci_high == pytest.approx(q.mean() + stats.t.ppf(0.95, df) * np.sqrt(T))
    small = rubin_combine(q, u, df_complete=20).iloc[0]      # Barnard-Rubin: df below the complete-data df
    assert small.df < 20 and small.df < df
    with pytest.raises(DataError, match="at least 2"):
        rubin_combine([1.0], [0.1])
    with pytest.warns(Warning, match="more draws"):
        synthetic_arm_combine([1.0, 1.0, 1.0], [0.1] * 3, [0.2] * 3)


def _world(rep, n_hist=60, n_trt=100, effect=1.0):
    rng = np.random.default_rng(rep)
    xh, xt = rng.normal(size=n_hist), rng.normal(size=n_trt)
    hist = pd.DataFrame({"x": xh, "y": 1 + 2 * xh + rng.normal(size=n_hist)})
    trt = pd.DataFrame({"x": xt, "y": 1 + 2 * xt + effect + rng.normal(size=n_trt)})
    return DigitalTwin(baseline=["x"], visits=["y"], random_state=rep).fit(hist), trt


def test_combined_draws_cover_stacked_draws_do_not():
    n_rep, hits = 100, {"synthetic_combined": [], "stacked_naive": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rep in range(n_rep):
            twin, trt = _world(rep)
            r = synthetic_control_effect(twin, trt, "y", n_draws=20, random_state=rep).set_index("method")
            for m in hits:
                hits[m].append(r.loc[m, "ci_low"] < 1.0 < r.loc[m, "ci_high"])
    mc = 2 * np.sqrt(0.95 * 0.05 / n_rep)
    assert abs(np.mean(hits["synthetic_combined"]) - 0.95) <= mc, np.mean(hits["synthetic_combined"])
    assert np.mean(hits["stacked_naive"]) < 0.95 - mc, np.mean(hits["stacked_naive"])


def test_perturbed_twin_draws_parameters_around_the_fit():
    twin, _ = _world(0, n_hist=200)
    B = np.stack([perturbed_twin(twin, s).B_ for s in range(300)])
    se_slope = np.sqrt(twin.XtX_inv_[1, 1] * twin.residual_cov_[0, 0])
    assert B[:, 1, 0].std() == pytest.approx(se_slope, rel=0.15)
    assert abs(B[:, 1, 0].mean() - twin.B_[1, 0]) < 3 * se_slope / np.sqrt(300)
    np.testing.assert_array_equal(perturbed_twin(twin, 5).B_, perturbed_twin(twin, 5).B_)   # seeded
