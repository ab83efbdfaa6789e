"""External controls recover balance under known confounding; the synthetic arm is the twin's."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import SchemaError
from pharmasynth.trials import DigitalTwin, external_control, synthetic_control_arm


def confounded(rng, n_trial=400, n_hist=2000):
    """Trial patients are older, sicker and more often male than historical ones."""
    hist = pd.DataFrame({"age": rng.normal(50, 10, n_hist), "severity": rng.normal(0, 1, n_hist),
                         "sex": rng.choice(["F", "M"], n_hist, p=[0.6, 0.4])})
    trial = pd.DataFrame({"age": rng.normal(56, 10, n_trial), "severity": rng.normal(0.5, 1, n_trial),
                          "sex": rng.choice(["F", "M"], n_trial, p=[0.4, 0.6])})
    for d in (hist, trial):
        d["y"] = 2 + 0.1 * d.age + 1.5 * d.severity + rng.normal(0, 1, len(d))
    return hist, trial


@pytest.mark.parametrize("method", ["weighting", "matching"])
def test_propensity_recovers_balance(method):
    rng = np.random.default_rng(0)
    hist, trial = confounded(rng)
    ext = external_control(hist, trial, ["age", "severity", "sex"], method=method, random_state=0)
    b = ext.balance.set_index("covariate")
    assert (b["smd_before"].abs() > 0.3).all()
    assert (b["smd_after"].abs() < 0.1).all(), b
    # the outcome mean of the external control approaches the trial's (no treatment here)
    w = ext.data["weight"].to_numpy()
    naive_gap = abs(hist.y.mean() - trial.y.mean())
    adj_gap = abs(np.average(ext.data["y"], weights=w) - trial.y.mean())
    assert adj_gap < 0.25 * naive_gap
    if method == "matching":
        assert (w == 1).all() and len(ext.data) == ext.n_trial - ext.n_unmatched_trial
        assert ext.data.index.is_unique  # without replacement


def test_external_control_bad_input():
    rng = np.random.default_rng(1)
    hist, trial = confounded(rng, 50, 100)
    with pytest.raises(SchemaError, match="weight_kg"):
        external_control(hist, trial, ["age", "weight_kg"])
    with pytest.raises(ValueError, match="method"):
        external_control(hist, trial, ["age"], method="ipw")


def test_synthetic_control_arm_table():
    rng = np.random.default_rng(2)
    hist, trial = confounded(rng, 50, 500)
    twin = DigitalTwin(["age", "severity", "sex"], ["y"]).fit(hist)
    arm = synthetic_control_arm(twin, trial, n_draws=4, random_state=0)
    assert len(arm) == 200 and set(arm.columns) >= {"id", "draw", "y", "y_pred", "arm"}
    np.testing.assert_allclose(arm["y_pred"].to_numpy()[::4], twin.predict(trial)["y"].to_numpy())
    # counterfactual draws scatter around the prediction with the residual SD (1.0)
    assert abs(np.std(arm["y"] - arm["y_pred"]) - 1.0) < 0.15


def test_external_control_result_shape(tmp_path):
    import json

    rng = np.random.default_rng(3)
    hist, trial = confounded(rng, 80, 400)
    ext = external_control(hist, trial, ["age", "severity"], method="weighting")
    s = ext.summary()
    assert isinstance(s, pd.DataFrame) and list(s.index) == ["weighting"]
    assert s.loc["weighting", "n_trial"] == 80 and s.loc["weighting", "n_historical"] == 400
    assert s.loc["weighting", "max_abs_smd_after"] < s.loc["weighting", "max_abs_smd_before"]
    d = ext.to_dict()
    assert d["effective_sample_size"] == pytest.approx(s.loc["weighting", "effective_sample_size"])
    assert [b["covariate"] for b in d["balance"]] == ["age", "severity"] and isinstance(d["notes"], list)
    assert json.loads(ext.to_json(tmp_path / "e.json"))["method"] == "weighting"
    paths = ext.write(tmp_path / "out")
    assert json.loads(paths["json"].read_text()) == json.loads(ext.to_json())
    assert len(pd.read_csv(paths["csv"])) == len(ext.data)
