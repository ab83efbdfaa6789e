"""Twin validation on held-out controls simulated from a known model: the checks report the truth."""

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "twin"))
from test_digital_twin import SIGMA, VISITS, simulate  # noqa: E402

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
    assert set(tables) == {"visit_accuracy", "event_calibration", "km_overlap"}
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
