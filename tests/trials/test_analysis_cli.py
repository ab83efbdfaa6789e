"""The `analyze` and `simulate` verbs: JSON contract, HTML report, clear errors, nothing half-written."""

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataError, SchemaError
from pharmasynth.cli.trials_analysis import register_analysis
from pharmasynth.cli.trials_simulate import register_simulate
from pharmasynth.trials.twin import LinearGaussianTwin


def _run(argv):
    parser = argparse.ArgumentParser(prog="pharmasynth trials")
    verbs = parser.add_subparsers(dest="verb")
    register_analysis(verbs)
    register_simulate(verbs)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture()
def trial_and_twin(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    x = rng.normal(size=n)
    arm = np.where(rng.integers(0, 2, n) == 1, "drug", "placebo")
    y = 5 + 2 * x + 0.8 * (arm == "drug") + rng.normal(size=n)
    t = rng.exponential(1 / (0.1 * np.exp(0.5 * x - 0.4 * (arm == "drug"))))
    df = pd.DataFrame({"id": np.arange(n), "x": x, "arm": arm, "y": y, "time": np.minimum(t, 15),
                       "event": (t < 15).astype(int)})
    path = tmp_path / "trial.csv"
    df.to_csv(path, index=False)
    twin = LinearGaussianTwin(["x"], [2.0], intercept=5.0, sd=1.0, outcome="y")
    twin.save(tmp_path / "twin")
    return df, path, tmp_path / "twin"


def test_analyze_writes_contract(trial_and_twin, tmp_path):
    df, path, twin = trial_and_twin
    out = tmp_path / "out"
    rc = _run(["analyze", str(path), "--twin", str(twin), "--outcome", "y", "--treatment", "arm",
               "--treated", "drug", "--control", "placebo", "--covariates", "x", "--time", "time",
               "--event", "event", "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "analysis.json").read_text())
    methods = [a["method"] for a in doc["analyses"]]
    assert methods == ["unadjusted", "ancova", "procova"]
    for a in doc["analyses"]:
        assert {"effect", "se", "ci_low", "ci_high", "p_value", "n", "method"} <= set(a)
        assert a["n"] == len(df) and a["ci_low"] < a["effect"] < a["ci_high"]
    unadj, _, proc = doc["analyses"]
    assert proc["se"] < 0.6 * unadj["se"]            # x explains most of the variance
    assert proc["ci_low"] < 0.8 < proc["ci_high"]
    assert doc["time_to_event"]["logrank"]["p_value"] >= 0
    assert (out / "report.html").stat().st_size > 10_000  # figures embedded
    assert json.loads((out / "report.json").read_text())


def test_analyze_errors_name_file_and_write_nothing(trial_and_twin, tmp_path):
    df, path, twin = trial_and_twin
    bad = tmp_path / "bad.csv"
    df.assign(y=df["y"].astype(object).where(df.index != 7, "n/a?")).to_csv(bad, index=False)
    out = tmp_path / "out_bad"
    with pytest.raises(SchemaError, match=r"bad\.csv.*'y' must be numeric; row 7"):
        _run(["analyze", str(bad), "--twin", str(twin), "--outcome", "y", "--treatment", "arm",
              "--treated", "drug", "--out", str(out)])
    one_arm = tmp_path / "one_arm.csv"
    df.assign(arm="drug").to_csv(one_arm, index=False)
    with pytest.raises(DataError, match="one arm"):
        _run(["analyze", str(one_arm), "--outcome", "y", "--treatment", "arm", "--treated", "drug",
              "--out", str(out)])
    assert not out.exists()


def test_simulate_writes_type_one_error_and_power(trial_and_twin, tmp_path):
    df, path, twin = trial_and_twin
    out = tmp_path / "sim"
    rc = _run(["simulate", "--twin", str(twin), "--pool", str(path), "--n-per-arm", "30", "--effects", "0", "0.5",
               "1", "--n-trials", "2000", "--power-trials", "300", "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "simulation.json").read_text())
    t1 = {r["design"]: r for r in doc["type_one_error"]}
    assert set(t1) == {"unadjusted", "procova", "synthetic_control"}
    for r in t1.values():
        assert abs(r["rejection_rate"] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 2000)
    pc = pd.DataFrame(doc["power_curve"])
    assert pc[pc.effect == 1.0]["rejection_rate"].min() > pc[pc.effect == 0.0]["rejection_rate"].max()
    assert (out / "report.html").exists()
