"""Group-sequential boundaries: published values, a brute-force simulation of the same design, and checks."""

import numpy as np
import pytest
from scipy import stats

from pharmasynth.errors import UsageError
from pharmasynth.trials.design import crossing_probabilities, group_sequential_design, spend


def test_obrien_fleming_and_pocock_type_known_values():
    """One-sided 0.025, K = 3, equal spacing (Jennison & Turnbull; rpact / gsDesign)."""
    obf = group_sequential_design(alpha=0.025, sided=1, spending="obf")
    np.testing.assert_allclose(obf.upper, [3.7103, 2.5114, 1.9930], atol=1e-4)
    pocock = group_sequential_design(alpha=0.025, sided=1, spending="pocock")
    np.testing.assert_allclose(pocock.upper, [2.2794, 2.2949, 2.2961], atol=5e-4)
    # the cumulative type I error spent equals the spending function, look by look
    np.testing.assert_allclose(obf.boundaries["cumulative_crossing_h0"], spend("obf", 0.025, [1 / 3, 2 / 3, 1]),
                               atol=1e-7)
    # a two-sided 0.05 design spends 0.025 per side: the same bounds, both signs
    two = group_sequential_design(alpha=0.05, sided=2, spending="obf")
    np.testing.assert_allclose(two.upper, obf.upper, atol=1e-4)
    assert two.boundaries["cumulative_alpha"].iloc[-1] == pytest.approx(0.05)
    assert two.boundaries["nominal_p"].iloc[0] == pytest.approx(2 * stats.norm.sf(two.upper[0]))


def test_one_look_is_the_fixed_design():
    d = group_sequential_design([1.0], alpha=0.05, sided=2, power=0.9)
    assert d.upper[0] == pytest.approx(stats.norm.isf(0.025), abs=1e-8)
    assert d.inflation_factor == pytest.approx(1.0, abs=1e-6)


def test_hsd_with_non_binding_futility_matches_gsdesign_default():
    """gsDesign(k=3, test.type=4, alpha=0.025, beta=0.1, sfu=sfHSD(-4), sfl=sfHSD(-2)) prints upper bounds
    3.01 2.55 2.00, lower bounds -0.24 0.94 2.00 and an inflation of 1.07 (two decimals)."""
    d = group_sequential_design(alpha=0.025, sided=1, power=0.9, spending="hsd", gamma=-4, futility="hsd",
                                futility_gamma=-2)
    np.testing.assert_allclose(d.upper, [3.01, 2.55, 2.00], atol=6e-3)
    np.testing.assert_allclose(d.lower, [-0.24, 0.94, 2.00], atol=6e-3)
    assert d.inflation_factor == pytest.approx(1.07, abs=6e-3)
    assert d.boundaries["cumulative_futility_h1"].iloc[-1] == pytest.approx(0.1, abs=1e-6)
    assert d.boundaries["cumulative_power_h1"].iloc[-1] == pytest.approx(0.9, abs=1e-6)


def _brute_force(upper, lower, fractions, drift, n, rng):
    t = np.asarray(fractions)
    inc = rng.standard_normal((n, len(t))) * np.sqrt(np.diff(np.r_[0, t])) + drift * np.diff(np.r_[0, t])
    z = np.cumsum(inc, axis=1) / np.sqrt(t)
    up, lo = z >= upper, z <= lower
    first = np.argmax(up | lo, axis=1)
    stopped = (up | lo).any(axis=1)
    rows = np.arange(n)
    cross_up = np.array([np.mean(stopped & (first == k) & up[rows, k]) for k in range(len(t))])
    cross_lo = np.array([np.mean(stopped & (first == k) & lo[rows, k]) for k in range(len(t))])
    return cross_up, cross_lo


@pytest.mark.parametrize("spending,futility,seed", [("obf", None, 101), ("pocock", None, 202), ("hsd", "hsd", 303)])
def test_crossing_probabilities_match_brute_force(spending, futility, seed):
    d = group_sequential_design([0.3, 0.7, 1.0], alpha=0.025, sided=1, power=0.85, spending=spending, gamma=-2,
                                futility=futility)
    rng = np.random.default_rng(seed)
    n = 1_000_000
    for drift in (0.0, d.drift):
        exact = d.operating(drift)
        up, lo = _brute_force(d.upper, d.lower if futility else -np.inf, d.fractions, drift, n, rng)
        # the totals (type I error or power; futility stops) within 2 MC SE ...
        for p_sim, p_exact in ((up.sum(), exact["upper"].sum()), (lo.sum(), exact["lower"].sum())):
            mc = np.sqrt(max(p_exact * (1 - p_exact), 1e-12) / n)
            assert abs(p_sim - p_exact) <= 2 * mc + 1e-9, (spending, drift, p_sim, p_exact)
        # ... and every look's crossing probability within 3 MC SE (18 comparisons per design)
        for k in range(3):
            for p_sim, p_exact in ((up[k], exact["upper"][k]), (lo[k], exact["lower"][k])):
                mc = np.sqrt(max(p_exact * (1 - p_exact), 1e-12) / n)
                assert abs(p_sim - p_exact) <= 3 * mc + 1e-9, (spending, drift, k, p_sim, p_exact)
    assert d.power_at(d.drift) == pytest.approx(0.85, abs=1e-6)


def test_crossing_probabilities_sum_and_monotone():
    d = group_sequential_design(alpha=0.025, sided=1, spending="obf")
    op = crossing_probabilities(d.fractions, d.upper, [-np.inf] * 3, 0.0)
    assert op["upper"].sum() == pytest.approx(0.025, abs=1e-7)
    assert d.power_at(1.0) < d.power_at(2.0) < d.power_at(d.drift)
    assert d.expected_fraction(d.drift) < d.expected_fraction(0.0) <= 1.0


def test_bad_inputs_name_what_was_expected():
    with pytest.raises(UsageError, match="alpha must lie strictly between 0 and 1"):
        group_sequential_design(alpha=1.5)
    with pytest.raises(UsageError, match="power"):
        group_sequential_design(power=1.0)
    with pytest.raises(UsageError, match="increase strictly"):
        group_sequential_design([0.5, 0.4, 1.0])
    with pytest.raises(UsageError, match="fraction 1"):
        group_sequential_design([0.5, 0.9])
    with pytest.raises(UsageError, match="one-sided"):
        group_sequential_design(alpha=0.05, sided=2, futility="obf")
    with pytest.raises(UsageError, match="spending"):
        group_sequential_design(spending="haybittle")


def test_spending_functions():
    t = np.array([0.0, 0.25, 0.5, 1.0])
    for kind in ("obf", "pocock", "hsd"):
        f = spend(kind, 0.025, t, gamma=1.0)
        assert f[0] == pytest.approx(0.0) and f[-1] == pytest.approx(0.025)
        assert np.all(np.diff(f) > 0)
    np.testing.assert_allclose(spend("hsd", 0.025, t, gamma=0.0), 0.025 * t)
    assert spend("obf", 0.025, [0.25])[0] < spend("pocock", 0.025, [0.25])[0]


@pytest.mark.parametrize("spending,sided", [("obf", 1), ("pocock", 1), ("hsd", 1), ("obf", 2)])
def test_bounds_spend_exactly_alpha_by_genz_multivariate_normal(spending, sided):
    """An independent reference: scipy's multivariate normal CDF (Genz) of (Z_1..Z_k), corr sqrt(t_i / t_j).
    (It also shows why we give Pocock's last bound as 2.29594, not the 2.2961 often quoted: that one
    spends 0.0249976.)"""
    from scipy.stats import multivariate_normal

    t = np.array([0.25, 0.6, 1.0])
    d = group_sequential_design(t, alpha=0.025 * sided, sided=sided, spending=spending, gamma=-1.5)
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    for k in range(1, 4):
        mvn = multivariate_normal(mean=np.zeros(k), cov=corr[:k, :k], abseps=1e-10, releps=1e-10, maxpts=10**6)
        if sided == 1:
            crossed = 1 - mvn.cdf(d.upper[:k])
        else:
            crossed = 1 - mvn.cdf(d.upper[:k], lower_limit=-d.upper[:k])
        assert crossed == pytest.approx(d.boundaries["cumulative_alpha"].iloc[k - 1], abs=2e-7), (k, crossed)
