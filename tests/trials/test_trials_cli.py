"""`pharmasynth trials fit | sample | control-arm` end to end on small files; clear errors."""

import json

import numpy as np
import pandas as pd
import pytest

from pharmasynth.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("trials_cli")
    rng = np.random.default_rng(0)
    n = 300
    age = rng.normal(50, 8, n)
    sex = rng.choice(["F", "M"], n)
    arm = rng.integers(0, 2, n)
    y1 = 10 + 0.3 * age + rng.normal(0, 2, n)
    y2 = y1 + rng.normal(0, 2, n)
    t = rng.exponential(500, n)
    df = pd.DataFrame({"pid": np.arange(n), "arm": arm, "age": age, "sex": sex, "y1": y1, "y2": y2,
                       "days": np.minimum(t, 700), "cens": (t < 700).astype(int)})
    df.loc[rng.random(n) < 0.2, "y2"] = np.nan
    df.to_csv(d / "trial.csv", index=False)
    return d


def test_fit_sample_control_arm(files, capsys):
    d = files
    rc = main(["trials", "fit", str(d / "trial.csv"), "--kind", "twin", "--where", "arm == 0", "--baseline", "age",
               "sex", "--visits", "y1", "y2", "--time", "days", "--event", "cens", "--id", "pid", "--holdout", "0.3",
               "--out", str(d / "twin")])
    assert rc == 0
    fit = json.loads((d / "twin" / "fit.json").read_text())
    assert fit["twin"]["n_missing_per_visit"]["y2"] > 0 and fit["n_holdout"] > 0
    assert (d / "twin" / "report.html").is_file() and (d / "twin" / "model" / "model.safetensors").is_file()
    assert main(["trials", "sample", str(d / "twin" / "model"), "--baseline-table", str(d / "trial.csv"),
                 "--where", "arm == 1", "--n-draws", "3", "--out", str(d / "draws")]) == 0
    draws = pd.read_csv(d / "draws" / "samples.csv")
    assert set(draws.columns) == {"id", "draw", "y1", "y2", "days", "cens"}
    assert len(draws) == 3 * json.loads((d / "draws" / "sample.json").read_text())["n_patients"]
    assert main(["trials", "control-arm", str(d / "twin" / "model"), str(d / "trial.csv"), "--where", "arm == 1",
                 "--historical", str(d / "trial.csv"), "--covariates", "age", "sex", "--method", "matching",
                 "--out", str(d / "arm")]) == 0
    summary = json.loads((d / "arm" / "control_arm.json").read_text())
    assert summary["external_control"]["method"] == "matching" and "balance" in summary["external_control"]
    assert (d / "arm" / "control_arm.csv").is_file() and (d / "arm" / "external_control.csv").is_file()


def test_fit_folder_and_historical_where(files, capsys):
    """The --out folder of `fit` works where its model/ does; --historical-where filters the historical table."""
    d = files
    assert main(["trials", "fit", str(d / "trial.csv"), "--where", "arm == 0", "--baseline", "age", "sex",
                 "--visits", "y1", "--out", str(d / "twin_hw")]) == 0
    assert f"--twin {d / 'twin_hw' / 'model'}" in capsys.readouterr().out   # the folder to pass, exactly
    assert main(["trials", "sample", str(d / "twin_hw"), "--baseline-table", str(d / "trial.csv"), "--where",
                 "arm == 1", "--out", str(d / "draws_hw")]) == 0
    historical = pd.read_csv(d / "trial.csv").query("arm == 0")
    assert main(["trials", "control-arm", str(d / "twin_hw"), str(d / "trial.csv"), "--where", "arm == 1",
                 "--historical", str(d / "trial.csv"), "--historical-where", "arm == 0", "--covariates", "age",
                 "--method", "weighting", "--out", str(d / "arm_hw")]) == 0
    external = pd.read_csv(d / "arm_hw" / "external_control.csv")
    assert set(external["pid"]) <= set(historical["pid"]) and len(external) == len(historical)
    capsys.readouterr()
    assert main(["trials", "control-arm", str(d / "twin_hw"), str(d / "trial.csv"), "--historical-where",
                 "arm == 0", "--out", str(d / "arm_bad")]) == 1
    assert "--historical-where filters --historical FILE" in capsys.readouterr().err


def test_generator_fit_and_conditional_sample(files):
    d = files
    assert main(["trials", "fit", str(d / "trial.csv"), "--kind", "copula", "--columns", "age", "sex", "y1", "y2",
                 "--out", str(d / "cop")]) == 0
    assert main(["trials", "sample", str(d / "cop" / "model"), "--n", "200", "--conditions", "sex=F",
                 "--rules", str(_rules(d)), "--out", str(d / "syn")]) == 0
    syn = pd.read_csv(d / "syn" / "samples.csv")
    assert len(syn) == 200 and (syn["sex"] == "F").all() and (syn["age"] >= 40).all()
    rep = json.loads((d / "syn" / "sample.json").read_text())["sampling"]
    assert 0 < rep["acceptance_rate"] <= 1


def _rules(d):
    p = d / "rules.toml"
    p.write_text('[[rules]]\nname = "adult"\nrequire = "age >= 40"\n')
    return p


def _fails(argv, capsys, pattern):
    import re

    assert main(argv) == 1
    err = capsys.readouterr().err
    assert re.search(pattern, err), err


def test_clear_errors_and_nothing_written(files, tmp_path, capsys):
    d = files
    out = ["--out", str(tmp_path / "o")]
    _fails(["trials", "fit", str(tmp_path / "nope.csv"), "--baseline", "age", "--visits", "y1", *out], capsys,
           "nope.csv: does not exist")
    _fails(["trials", "fit", str(d / "trial.csv"), "--baseline", "age", "weight", "--visits", "y1", *out], capsys,
           r"missing column\(s\) \['weight'\]")
    bad = pd.read_csv(d / "trial.csv")
    bad["y1"] = bad["y1"].astype(object)
    bad.loc[4, "y1"] = "missing!"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    _fails(["trials", "fit", str(tmp_path / "bad.csv"), "--baseline", "age", "--visits", "y1", *out], capsys,
           r"bad.csv.*'y1'.*row 4.*'missing!'.*line N \+ 2")
    _fails(["trials", "sample", str(tmp_path), "--n", "5", *out], capsys, "config.json: missing")
    _fails(["trials", "fit", str(d / "trial.csv"), "--kind", "twin", "--visits", "y1", *out], capsys, "--baseline")
    assert not (tmp_path / "o").exists()


def test_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["trials", "fit", "--help"])
    out = capsys.readouterr().out
    assert "example" in out and "--where" in out


def test_control_arm_with_outcome_combines_draws_and_fit_refuses_duplicate_ids(files, capsys):
    d = files
    assert main(["trials", "fit", str(d / "trial.csv"), "--kind", "twin", "--where", "arm == 0", "--baseline", "age",
                 "--visits", "y1", "--id", "pid", "--out", str(d / "twin1")]) == 0
    assert main(["trials", "control-arm", str(d / "twin1" / "model"), str(d / "trial.csv"), "--where", "arm == 1",
                 "--n-draws", "20", "--outcome", "y1", "--out", str(d / "arm1")]) == 0
    assert "synthetic_combined" in capsys.readouterr().out
    effect = {r["method"]: r for r in json.loads((d / "arm1" / "control_arm.json").read_text())["effect"]}
    assert effect["synthetic_combined"]["n_draws"] == 20
    assert effect["synthetic_combined"]["effect"] == pytest.approx(effect["stacked_naive"]["effect"])
    assert effect["synthetic_combined"]["se"] > 1.3 * effect["stacked_naive"]["se"]   # stacking understates the SE
    dup = pd.read_csv(d / "trial.csv")
    dup.loc[3, "pid"] = dup.loc[2, "pid"]
    dup.to_csv(d / "dup.csv", index=False)
    assert main(["trials", "fit", str(d / "dup.csv"), "--kind", "twin", "--baseline", "age", "--visits", "y1",
                 "--id", "pid", "--out", str(d / "never")]) != 0
    err = capsys.readouterr().err
    assert "dup.csv: id column 'pid' repeats: row 2, row 3 share ids (e.g. 2)" in err and not (d / "never").exists()
