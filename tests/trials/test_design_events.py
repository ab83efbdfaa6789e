"""Event-driven sample size: closed forms for events and expected events, accrual plans, input checks."""

import math

import numpy as np
import pytest
from scipy import stats

from pharmasynth.errors import UsageError
from pharmasynth.trials.design.events import (ControlHazard, accrual_plan, dropout_hazard, event_probability,
                                              expected_events, required_events)
from pharmasynth.trials.design_workflows import design_trial


def test_schoenfeld_and_freedman_closed_forms():
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.9)
    assert required_events(0.7, 0.05, 0.9, 2) == pytest.approx(z**2 / (0.25 * math.log(0.7) ** 2))
    assert math.ceil(required_events(0.7, 0.05, 0.9, 2)) == 331
    assert required_events(0.7, 0.05, 0.9, 2, method="freedman") == pytest.approx(z**2 * 1.7**2 / 0.3**2)
    # 2:1 allocation: p = 2/3
    assert required_events(0.7, 0.05, 0.9, 2, ratio=2) == pytest.approx(z**2 / (2 / 9 * math.log(0.7) ** 2))
    # one-sided 0.025 equals two-sided 0.05; HR and 1/HR need the same events
    assert required_events(0.7, 0.025, 0.9, 1) == pytest.approx(required_events(0.7, 0.05, 0.9, 2))
    assert required_events(1 / 0.7, 0.05, 0.9, 2) == pytest.approx(required_events(0.7, 0.05, 0.9, 2))


def test_expected_events_equal_the_exponential_closed_form():
    """Uniform accrual over [0, A], exponential hazard lam, dropout eta, analysis at T >= A:
    P(event) = lam/(lam+eta) * (1 - (e^{-(lam+eta)(T-A)} - e^{-(lam+eta)T}) / ((lam+eta) A))."""
    lam, eta, A, T, N = math.log(2) / 12, dropout_hazard(0.1, 12), 24.0, 36.0, 500
    h = ControlHazard.exponential(median=12)
    for hr in (1.0, 0.7):
        r = hr * lam + eta
        closed = hr * lam / r * (1 - (math.exp(-r * (T - A)) - math.exp(-r * T)) / (r * A))
        got = expected_events(h, hr, N, A, [T], ratio=1e-9 if hr == 1 else 1e9, dropout=eta)[0] / N
        assert got == pytest.approx(closed, rel=1e-5)
    # before the end of accrual (T < A): only the patients entered so far
    T2 = 10.0
    closed = (T2 - (1 - math.exp(-lam * T2)) / lam) / A
    assert expected_events(h, 1.0, 1, A, [T2], ratio=1.0)[0] == pytest.approx(closed, rel=1e-5)


def test_piecewise_hazard_probabilities():
    h = ControlHazard.piecewise([0, 6], [0.1, 0.02])
    s = h.survival(np.array([3.0, 6.0, 10.0]))
    np.testing.assert_allclose(s, np.exp(-np.array([0.3, 0.6, 0.6 + 0.08])))
    assert event_probability(h, [10.0])[0] == pytest.approx(1 - math.exp(-0.68), rel=1e-6)


def test_accrual_plan_gives_the_events():
    h = ControlHazard.exponential(median=12)
    for kw in ({"accrual_rate": 20, "follow_up": 12}, {"accrual_duration": 24, "follow_up": 12},
               {"accrual_rate": 20, "accrual_duration": 30}, {"patients": 600, "accrual_rate": 25}):
        plan = accrual_plan(331, h, 0.7, **kw)
        got = expected_events(h, 0.7, plan["patients"], plan["accrual_duration"], [plan["duration"]])[0]
        assert got == pytest.approx(331, rel=1e-6), kw
        assert plan["patients_control"] + plan["patients_treated"] == plan["patients"]
    plan = accrual_plan(331, h, 0.7, accrual_duration=24, follow_up=12)
    assert plan["duration"] <= 36 + 1e-6 and plan["duration"] > 35  # patients rounded up: slightly earlier
    with pytest.raises(UsageError, match="never give 331"):
        accrual_plan(331, h, 0.7, patients=300, accrual_rate=20)
    with pytest.raises(UsageError, match="exactly two"):
        accrual_plan(331, h, 0.7, accrual_rate=20)


def test_design_trial_survival_with_looks_inflates_events():
    fixed = design_trial("survival", hr=0.7)
    gs = design_trial("survival", hr=0.7, looks=3, spending="obf", control_median=12, accrual_rate=20, follow_up=12)
    assert fixed.design["events"] == 331 and "boundaries" not in fixed.design
    assert gs.design["events"] == math.ceil(330.3779 * gs.design["inflation_factor"])
    b = gs.design["boundaries"]
    assert [x["events"] for x in b] == [math.ceil(gs.design["events"] * k / 3 - 1e-9) for k in (1, 2, 3)]
    assert all({"information_fraction", "z", "nominal_p", "cumulative_alpha"} <= set(x) for x in b)
    assert b[0]["expected_time"] < b[1]["expected_time"] < b[2]["expected_time"] == pytest.approx(gs.design["duration"])
    assert gs.design["expected_events_h1"] < gs.design["events"]
    assert gs.design["power_at_design"] >= 0.9


@pytest.mark.parametrize("kwargs,match", [
    ({"hr": 0.7, "alpha": 1.5}, "alpha must lie strictly between 0 and 1"),
    ({"hr": 0.7, "power": 1.0}, "power must lie strictly between 0 and 1"),
    ({"hr": 1.0}, "must differ from 1"),
    ({"hr": -0.5}, "hazard ratio must be a positive number"),
    ({"hr": 0.7, "sided": 3}, "sided must be 1 or 2"),
    ({}, "needs the hazard ratio"),
    ({"hr": 0.7, "accrual_rate": 10}, "need the control arm's hazard"),
    ({"hr": 0.7, "looks": 3, "fractions": [0.5, 1.0]}, "3 looks but 2"),
    ({"hr": 0.7, "control_median": -3, "accrual_rate": 10, "follow_up": 5}, "control median"),
])
def test_design_input_errors(kwargs, match):
    with pytest.raises(UsageError, match=match):
        design_trial("survival", **kwargs)


def test_fractions_alone_set_the_looks():
    res = design_trial("survival", hr=0.7, fractions=[0.5, 0.75, 1.0], spending="pocock")
    assert res.design["looks"] == 3
    assert [b["information_fraction"] for b in res.design["boundaries"]] == [0.5, 0.75, 1.0]
