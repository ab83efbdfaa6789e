"""The workflows the CLI and the demo share: one call each, a result with summary(), to_dict() and write(dir)."""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent / "twin"))
from test_digital_twin import VISITS, simulate  # noqa: E402

from pharmasynth.trials import (LinearGaussianTwin, analyze_trial, control_arms, fit_twin, power_curve,  # noqa: E402
                                procova, simulate_designs, simulate_trials, unadjusted)


@pytest.fixture(scope="module")
def patients():
    return simulate(400, np.random.default_rng(21))


def test_fit_twin_validates_on_the_holdout(patients, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the validation's warnings are recorded in its report
        fit = fit_twin(patients, baseline=["age", "score", "site"], visits=VISITS, time="time", event="event",
                       id="pid", holdout=0.25, random_state=3, meta={"data": "p.csv"})
    assert fit.n_holdout == 100 and fit.twin.n_train_ == 300 and fit.twin.random_state == 3
    assert fit.summary().equals(fit.twin.summary())
    doc = fit.to_dict()
    assert list(doc)[:7] == ["data", "n_rows", "n_train", "n_holdout", "kind", "seed", "validation"]
    assert set(doc["validation"]) == {"visit_accuracy", "event_calibration", "calibration_at_tau"}
    paths = fit.write(tmp_path / "twin")
    written = json.loads(paths["fit"].read_text())
    assert written["twin"]["n_train"] == 300 and paths["html"].is_file()
    assert (tmp_path / "twin" / "model" / "model.safetensors").is_file()
    without = fit_twin(patients, baseline=["age"], visits=["y1"], random_state=0)
    assert without.report is None and "validation" not in without.to_dict()


def test_analyze_trial_outcome_and_time_to_event(patients, tmp_path):
    rng = np.random.default_rng(4)
    trial = patients.assign(arm=rng.integers(0, 2, len(patients)))
    twin = LinearGaussianTwin(["age", "score"], [0.8, -1.0], intercept=5.0, sd=3.0, outcome="y2")
    res = analyze_trial(trial, treatment="arm", outcome="y1", twin=twin, visit="y2", covariates=["age"],
                        time="time", event="event", meta={"trial": "t.csv"})
    assert [r.method for r in res.analyses] == ["unadjusted", "ancova", "procova"]
    assert res.analyses[0].effect == unadjusted(trial, "y1", "arm").effect
    assert res.analyses[2].effect == procova(trial, twin, "y1", "arm", visit="y2").effect
    s = res.summary()
    assert list(s.index)[:3] == ["unadjusted", "ancova", "procova"] and s["se_ratio"].iloc[0] == 1.0
    assert {"cox", "cox_adjusted", "logrank", "logrank_adjusted", "rmst", "rmst_adjusted"} <= set(s.index)
    doc = res.to_dict()
    assert doc["trial"] == "t.csv" and doc["outcome"] == "y1" and "se_reduction" in doc
    assert set(doc["cox_models"]) == {"cox", "cox_adjusted"}   # this twin models no event: no risk score
    assert set(res.time_to_event["cox"].index) == {"arm", "age"}
    paths = res.write(tmp_path / "a")
    assert json.loads(paths["analysis"].read_text())["analyses"][0]["method"] == "unadjusted"
    only_tte = analyze_trial(trial, treatment="arm", time="time", event="event", score="age", tau=50.0, label="X")
    assert only_tte.analyses == [] and "unadjusted" not in only_tte.summary().index
    assert "prognostic_score" in only_tte.time_to_event["cox"].index
    titles = [t for t, _ in only_tte.report.tables]
    assert titles[0] == "X: Time-to-event estimates (tau = 50)" and "X: Cox model cox_score: terms" in titles
    with pytest.raises(ValueError, match="nothing to analyse"):
        analyze_trial(trial, treatment="arm")


def test_simulate_designs_equals_its_parts():
    rng = np.random.default_rng(0)
    pool = pd.DataFrame({"x": rng.normal(size=300)})
    twin = LinearGaussianTwin(["x"], [2.0], sd=1.0)
    res = simulate_designs(twin, pool, n_per_arm=[20, 40], effects=[0.0, 1.0], n_trials=300, power_trials=100,
                           random_state=7)
    t1 = simulate_trials(twin, pool, n_per_arm=20, n_trials=300, random_state=7, keep_estimates=False)
    pd.testing.assert_frame_equal(res.summary(), t1.summary())
    pc = power_curve(twin, pool, effects=[0.0, 1.0], n_per_arm=[20, 40], n_trials=100, random_state=8)
    pd.testing.assert_frame_equal(res.power_curve, pc)
    other = simulate_designs(twin, pool, n_per_arm=[20], effects=[1.0], n_trials=100, power_trials=100,
                             random_state=7, power_random_state=30)
    pd.testing.assert_frame_equal(other.power_curve, power_curve(twin, pool, effects=[1.0], n_per_arm=[20],
                                                                 n_trials=100, random_state=30))
    doc = res.to_dict()
    assert set(doc) == {"settings", "type_one_error", "type_one_error_within_2_mc_se", "power_curve"}
    assert [m.name for m in res.report.metrics] == [f"type_one_error_{d}" for d in res.summary().index]


def test_control_arms(patients, tmp_path):
    from pharmasynth.trials import DigitalTwin

    twin = DigitalTwin(["age", "score"], ["y1"], time="time", event="event").fit(patients.iloc[:250])
    enrolled = patients.iloc[250:]
    res = control_arms(twin, enrolled, n_draws=2, historical=patients.iloc[:250], covariates=["age", "score"],
                       method="weighting", random_state=0, meta={"model": "m"})
    assert len(res.arm) == 2 * len(enrolled) and list(res.summary().index) == ["y1", "event"]
    doc = res.to_dict()
    assert doc["model"] == "m" and doc["n_enrolled"] == 150 and doc["external_control"]["method"] == "weighting"
    paths = res.write(tmp_path / "arm")
    written = json.loads(paths["json"].read_text())
    assert written["csv"].endswith("control_arm.csv")
    assert written["external_control"]["csv"].endswith("external_control.csv")
    assert len(pd.read_csv(paths["control_arm"])) == 2 * len(enrolled)


def test_fit_twin_keeps_the_weibull_convergence_warning_in_its_report():
    from pharmasynth.errors import DataWarning

    df = simulate(430, np.random.default_rng(9), missing=False).assign(age_again=lambda d: d["age"])
    with pytest.warns(DataWarning, match="Weibull event model"):
        fit = fit_twin(df, baseline=["age", "age_again"], time="time", event="event", holdout=0.3, random_state=0)
    assert any("Weibull event model" in w for w in fit.report.warnings)   # reported, not only on stderr
    assert "harrell_c" in fit.report.details()["name"].tolist()
