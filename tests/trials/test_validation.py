"""Twin validation on held-out controls simulated from a known model: the checks report the truth."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "twin"))
from test_digital_twin import SIGMA, VISITS, W_AGE, W_SCORE, W_SHAPE, simulate  # noqa: E402
from lifelines.utils import concordance_index  # noqa: E402

from pharmasynth.tabular import GaussianCopula  # noqa: E402
from pharmasynth.trials import DigitalTwin, evaluate_synthetic_patients, validate_twin  # noqa: E402


def test_validate_twin_on_correct_model():
    rng = np.random.default_rng(11)
    train, held = simulate(2500, rng), simulate(1500, rng)
    twin = DigitalTwin(["age", "score", "site"], VISITS, time="time", event="event").fit(train)
    report, tables = validate_twin(twin, held, plots=True, random_state=0)
    d = report.details().set_index("name")
    for v in VISITS:
        assert abs(d.loc[f"coverage_80:{v}", "value"] - 0.8) < 0.04
        assert abs(d.loc[f"coverage_95:{v}", "value"] - 0.95) < 0.025
    # rho is what the model implies: explained variance over total
    pred = twin.predict(held)
    var_expl = pred["y1"].var()
    rho_theory = np.sqrt(var_expl / (var_expl + SIGMA[0, 0]))
    assert abs(d.loc["rho:y1", "value"] - rho_theory) < 0.05
    assert d.loc["event_calibration_max_abs_error", "value"] < 0.08
    assert d.loc["km_max_distance", "value"] < 0.08
    assert set(tables) == {"visit_accuracy", "event_calibration", "km_overlap", "calibration_at_tau"}
    # the risk score ranks as well as the true linear predictor does (Harrell's C, AUC at tau)
    true_risk = -W_SHAPE * (W_AGE * held["age"] + W_SCORE * held["score"])
    c_true = concordance_index(held["time"], -true_risk, held["event"])
    assert abs(d.loc["harrell_c", "value"] - c_true) < 0.01 and d.loc["harrell_c", "value"] > 0.6
    assert 0.6 < d.loc["time_dependent_auc_tau", "value"] <= 1.0
    assert d.loc["calibration_at_tau_abs_error", "value"] < 0.05
    assert len(report.figures) == 2


def test_validate_twin_detects_a_wrong_twin():
    rng = np.random.default_rng(12)
    train, held = simulate(1500, rng), simulate(800, rng)
    held = held.assign(y1=held["y1"] + 6.0)  # the held-out population has moved: intervals miss
    twin = DigitalTwin(["age", "score", "site"], VISITS).fit(train)
    report, _ = validate_twin(twin, held, plots=False)
    d = report.details().set_index("name")
    assert d.loc["coverage_95:y1", "value"] < 0.8


def test_synthetic_patients_through_evaluation_core():
    rng = np.random.default_rng(13)
    real = simulate(600, rng, missing=False)[["age", "score", "site", "y1"]]
    holdout = simulate(300, rng, missing=False)[["age", "score", "site", "y1"]]
    syn = GaussianCopula(random_state=0).fit(real).sample(600)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the core's warnings (e.g. small-sample notes) are not under test
        report = evaluate_synthetic_patients(real, syn, holdout=holdout, target="y1", plots=False,
                                             rules=["age > 0"])
    groups = report.group_scores()
    assert {"fidelity", "utility", "privacy", "validity"} <= set(groups)
    assert report.score() is not None and report.score() > 0.5


def test_time_dependent_auc_equals_roc_auc_without_censoring_and_c_equals_lifelines():
    from sklearn.metrics import roc_auc_score

    from pharmasynth.trials.twin_discrimination import harrell_c, time_dependent_auc

    rng = np.random.default_rng(3)
    risk = rng.normal(size=400)
    t = rng.exponential(np.exp(-risk))
    e = np.ones(400)
    tau = float(np.median(t))
    assert time_dependent_auc(t, e, risk, tau) == pytest.approx(roc_auc_score(t <= tau, risk), abs=1e-12)
    c = rng.uniform(0, 3, 400)
    obs, ev = np.minimum(t, c), (t <= c).astype(float)
    assert harrell_c(obs, ev, risk) == pytest.approx(concordance_index(obs, -risk, ev))
    # censoring is weighted away: the IPCW AUC stays near the uncensored one
    assert abs(time_dependent_auc(obs, ev, risk, tau) - roc_auc_score(t <= tau, risk)) < 0.05
