"""Trial design: the sample-size formula against a direct power calculation; the effective sample size."""

import numpy as np
import pytest
from scipy import stats

from pharmasynth.trials.design import effective_sample_size, sample_size_procova


def test_sample_size_against_direct_power():
    from statsmodels.stats.power import NormalIndPower

    effect, sd, rho = 5.0, 20.0, 0.6
    table = sample_size_procova(effect, sd, rho, alpha=0.05, power=0.8, ratio=1.0)
    n1 = NormalIndPower().solve_power(effect_size=effect / sd, alpha=0.05, power=0.8, ratio=1.0)
    assert table.loc["unadjusted", "n_control"] == int(np.ceil(n1))
    n1p = NormalIndPower().solve_power(effect_size=effect / (sd * np.sqrt(1 - rho**2)), alpha=0.05, power=0.8)
    assert table.loc["procova", "n_control"] == int(np.ceil(n1p))
    # the reduced control arm keeps power >= 0.8 with the unadjusted treated arm: direct calculation
    r = table.loc["procova_reduced_control"]
    se = sd * np.sqrt(1 - rho**2) * np.sqrt(1 / r["n_control"] + 1 / r["n_treated"])
    power = stats.norm.cdf(effect / se - stats.norm.ppf(0.975))
    assert 0.8 <= power < 0.81
    assert r["n_control"] < table.loc["unadjusted", "n_control"]
    assert r["n_treated"] == table.loc["unadjusted", "n_treated"]
    # unequal allocation 2:1
    t2 = sample_size_procova(effect, sd, 0.0, ratio=2.0)
    n1_2 = NormalIndPower().solve_power(effect_size=effect / sd, alpha=0.05, power=0.8, ratio=2.0)
    assert t2.loc["unadjusted", "n_control"] == int(np.ceil(n1_2))


def test_effective_sample_size():
    e = effective_sample_size(10.0, 8.0, 200)
    assert e["effective_n"] == pytest.approx(200 * 1.5625)
    assert e["patients_gained"] == pytest.approx(112.5)
