"""Continuous-endpoint sample sizes: exact t against statsmodels, input checks, conservative rho."""

import math

import numpy as np
import pytest

from pharmasynth.errors import UsageError
from pharmasynth.trials.design import conservative_rho, sample_size_procova
from pharmasynth.trials.design_workflows import design_trial


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_exact_t_against_statsmodels(ratio):
    from statsmodels.stats.power import TTestIndPower

    table = sample_size_procova(5.0, 20.0, 0.0, alpha=0.05, power=0.8, ratio=ratio, method="t")
    n1 = TTestIndPower().solve_power(effect_size=0.25, alpha=0.05, power=0.8, ratio=ratio)
    row = table.loc["unadjusted"]
    # our n_treated is ceil(ratio * n_control): check power directly at the chosen sizes
    assert row["n_control"] in (math.ceil(n1), math.ceil(n1) + 1)
    achieved = TTestIndPower().power(effect_size=0.25, nobs1=row["n_control"], alpha=0.05,
                                     ratio=row["n_treated"] / row["n_control"])
    assert achieved >= 0.8 and row["power"] == pytest.approx(achieved, abs=1e-6)
    smaller = TTestIndPower().power(effect_size=0.25, nobs1=row["n_control"] - 1, alpha=0.05,
                                    ratio=math.ceil(ratio * (row["n_control"] - 1)) / (row["n_control"] - 1))
    assert smaller < 0.8
    normal = sample_size_procova(5.0, 20.0, 0.0, ratio=ratio, method="normal")
    assert normal.loc["unadjusted", "n_control"] <= row["n_control"] <= normal.loc["unadjusted", "n_control"] + 2


def test_procova_t_and_conservative_rho():
    t = sample_size_procova(5.0, 20.0, 0.6, method="t")
    assert t.loc["procova", "n_control"] < t.loc["unadjusted", "n_control"]
    assert t.loc["procova", "power"] >= 0.8
    # rho estimated on 100 patients: shrunk to its Fisher-z 95% lower bound, more patients
    r = conservative_rho(0.6, 100)
    assert r == pytest.approx(math.tanh(math.atanh(0.6) - 1.6448536 / math.sqrt(97)), abs=1e-6)
    shrunk = sample_size_procova(5.0, 20.0, 0.6, rho_n=100)
    assert shrunk.loc["procova", "n_control"] > sample_size_procova(5.0, 20.0, 0.6).loc["procova", "n_control"]
    assert shrunk.attrs["rho_design"] == pytest.approx(r)


@pytest.mark.parametrize("kwargs,match", [
    ({"alpha": 1.5}, "alpha must lie strictly between 0 and 1"),
    ({"power": 1.0}, "power must lie strictly between 0 and 1"),
    ({"effect": 0.0}, "non-zero"),
    ({"sd": -1.0}, "sd must be a positive number"),
    ({"rho": 1.0}, "rho must lie in"),
    ({"method": "exact"}, "method="),
    ({"ratio": 0}, "ratio must be a positive number"),
])
def test_sample_size_input_checks(kwargs, match):
    args = {"effect": 5.0, "sd": 20.0, "rho": 0.5, **kwargs}
    with pytest.raises(UsageError, match=match):
        sample_size_procova(**args)


def test_design_trial_continuous_with_looks():
    res = design_trial("continuous", effect=5.0, sd=20.0, rho=0.6, power=0.8, looks=2, spending="pocock")
    ss = res.sample_size
    assert (ss["n_total_max"] >= ss["n_total"]).all()
    np.testing.assert_array_equal(ss["n_control_max"], np.ceil(ss["n_control"] * res.gsd.inflation_factor - 1e-9))
    assert res.design["patients"] == ss.loc["unadjusted", "n_total_max"]
    assert len(res.design["boundaries"]) == 2
    with pytest.raises(UsageError, match="needs the effect"):
        design_trial("continuous", sd=3.0)
