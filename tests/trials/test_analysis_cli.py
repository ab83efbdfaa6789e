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
    assert methods == ["unadjusted", "ancova", "procova", "cox", "cox_adjusted", "logrank", "logrank_adjusted",
                       "rmst", "rmst_adjusted", "survival_at_tau", "survival_at_tau_adjusted"]
    for a in doc["analyses"]:
        assert {"method", "estimand", "effect", "se", "ci_low", "ci_high", "p_value", "n", "events", "covariates",
                "strata", "alpha"} <= set(a)
        assert a["n"] == len(df) and a["alpha"] == 0.05
        if not a["method"].startswith("logrank"):
            assert a["ci_low"] < a["effect"] < a["ci_high"]
    by = {a["method"]: a for a in doc["analyses"]}
    unadj, proc = by["unadjusted"], by["procova"]
    assert proc["se"] < 0.6 * unadj["se"]            # x explains most of the variance
    assert proc["ci_low"] < 0.8 < proc["ci_high"]
    assert by["cox"]["hr"] == pytest.approx(by["cox"]["effect"]) and "GLOBAL" in str(doc["cox_models"]["cox"]["ph_test"])
    report = json.loads((out / "report.json").read_text())
    assert [r["method"] for r in report["estimates"]] == methods
    assert any(m["name"] == "se_ratio_rmst_adjusted" for m in report["metrics"])
    html = (out / "report.html").read_text()
    assert html.index("Treatment effect estimates") < html.index("<img")   # the estimates come first
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


def test_analyze_survival_only_alpha_where_id_and_strata(trial_and_twin, tmp_path, capsys):
    df, path, twin = trial_and_twin
    three = tmp_path / "three.csv"
    df.assign(arm=np.where(df.index < 20, "other", df["arm"]), site=df.index % 3).to_csv(three, index=False)
    out = tmp_path / "surv"
    rc = _run(["analyze", str(three), "--treatment", "arm", "--treated", "drug", "--control", "placebo",
               "--where", "arm != 'other'", "--id", "id", "--time", "time", "--event", "event", "--covariates", "x",
               "--strata", "site", "--alpha", "0.1", "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    for m in ("cox_stratified", "logrank_stratified", "rmst_adjusted", "intervals at 90%"):
        assert m in printed                              # the console shows every analysis it ran
    doc = json.loads((out / "analysis.json").read_text())
    by = {a["method"]: a for a in doc["analyses"]}
    assert "unadjusted" not in by and by["cox"]["n"] == len(df) - 20
    assert all(a["alpha"] == 0.1 for a in doc["analyses"])
    from lifelines import CoxPHFitter
    kept = df.iloc[20:].assign(drug=lambda d: (d.arm == "drug").astype(int))
    ref = CoxPHFitter(alpha=0.1).fit(kept[["time", "event", "drug", "x"]], "time", "event").summary.loc["drug"]
    assert by["cox_adjusted"]["hr"] == pytest.approx(ref["exp(coef)"], rel=1e-8)
    assert by["cox_adjusted"]["ci_low"] == pytest.approx(ref["exp(coef) lower 90%"], rel=1e-8)
    assert by["cox_stratified"]["strata"] == ["site"]


def test_analyze_refuses_degenerate_inputs_naming_the_file(trial_and_twin, tmp_path):
    df, path, twin = trial_and_twin
    out = tmp_path / "never"
    common = ["--treatment", "arm", "--treated", "drug", "--control", "placebo", "--out", str(out)]
    dup = tmp_path / "dup.csv"
    pd.concat([df, df.iloc[:5]]).to_csv(dup, index=False)
    with pytest.raises(DataError, match=r"dup\.csv.*'id' repeats"):
        _run(["analyze", str(dup), "--outcome", "y", "--id", "id", *common])
    cens = tmp_path / "censored.csv"
    df.assign(event=0).to_csv(cens, index=False)
    with pytest.raises(DataError, match=r"censored\.csv.*every patient is censored"):
        _run(["analyze", str(cens), "--time", "time", "--event", "event", *common])
    text = tmp_path / "text.csv"
    df.assign(x=df["x"].astype(object).where(df.index != 11, "forty")).to_csv(text, index=False)
    with pytest.raises(SchemaError, match=r"text\.csv.*'x' is numeric but row 11 holds 'forty'"):
        _run(["analyze", str(text), "--outcome", "y", "--covariates", "x", *common])
    with pytest.raises(DataError, match="equal the outcome"):
        _run(["analyze", str(path), "--outcome", "y", "--covariates", "x", "y", *common])
    from pharmasynth.errors import UsageError
    with pytest.raises(UsageError, match="--outcome COL, or --time"):
        _run(["analyze", str(path), *common])
    assert not out.exists()
