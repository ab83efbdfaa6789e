"""`pharmasynth tabular fit | sample`, and the old `trials fit --kind copula` / `trials sample` that lead there."""

import json

import numpy as np
import pandas as pd
import pytest

from pharmasynth.cli import main


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("tabular_cli")
    rng = np.random.default_rng(0)
    n = 300
    age = rng.normal(50, 8, n)
    df = pd.DataFrame({"age": age, "sex": rng.choice(["F", "M"], n), "y": 10 + 0.3 * age + rng.normal(0, 2, n),
                       "arm": rng.integers(0, 2, n)})
    df.to_csv(d / "table.csv", index=False)
    (d / "rules.toml").write_text('[[rules]]\nname = "adult"\nrequire = "age >= 40"\n')
    return d


def test_fit_and_sample(data, capsys):
    d = data
    assert main(["tabular", "fit", str(d / "table.csv"), "--model", "copula", "--where", "arm == 0",
                 "--columns", "age", "sex", "y", "--holdout", "0.3", "--target", "y", "--out", str(d / "cop")]) == 0
    fit = json.loads((d / "cop" / "fit.json").read_text())
    assert fit["kind"] == "copula" and fit["where"] == "arm == 0" and fit["columns"] == ["age", "sex", "y"]
    assert fit["n_holdout"] > 0 and 0 < fit["evaluation"]["score"] <= 1 and (d / "cop" / "report.html").is_file()
    assert main(["tabular", "sample", str(d / "cop" / "model"), "--n", "150", "--conditions", "sex=F",
                 "--rules", str(d / "rules.toml"), "--out", str(d / "syn")]) == 0
    syn = pd.read_csv(d / "syn" / "samples.csv")
    assert len(syn) == 150 and (syn["sex"] == "F").all() and (syn["age"] >= 40).all()
    assert json.loads((d / "syn" / "sample.json").read_text())["class"] == "GaussianCopula"
    assert "note" not in capsys.readouterr().err


def test_trials_verbs_still_fit_and_sample_tables(data, capsys):
    """`trials fit --kind copula` and `trials sample` on its folder: a one-line note, the same outputs."""
    d = data
    args = [str(d / "table.csv"), "--columns", "age", "sex", "y", "--seed", "3"]
    assert main(["tabular", "fit", *args, "--out", str(d / "new")]) == 0
    assert main(["trials", "fit", *args, "--kind", "copula", "--out", str(d / "old")]) == 0
    assert "pharmasynth tabular" in capsys.readouterr().err
    new, old = (json.loads((d / k / "fit.json").read_text()) for k in ("new", "old"))
    assert {k: v for k, v in new.items() if k != "model_dir"} == {k: v for k, v in old.items() if k != "model_dir"}
    weights = [(d / k / "model" / "model.safetensors").read_bytes() for k in ("new", "old")]
    assert weights[0] == weights[1]
    for cmd, out in ((["tabular", "sample"], "s_new"), (["trials", "sample"], "s_old")):
        assert main([*cmd, str(d / "new" / "model"), "--n", "40", "--seed", "1", "--out", str(d / out)]) == 0
    assert (d / "s_new" / "samples.csv").read_text() == (d / "s_old" / "samples.csv").read_text()
    assert "pharmasynth tabular" in capsys.readouterr().err


def test_errors(data, tmp_path, capsys):
    d = data
    assert main(["tabular", "sample", str(tmp_path), "--n", "5", "--out", str(tmp_path / "o")]) == 1
    assert "config.json: missing" in capsys.readouterr().err
    assert main(["tabular", "fit", str(d / "table.csv"), "--columns", "height", "--out", str(tmp_path / "o")]) == 1
    assert "['height'] not in the table" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["tabular", "fit", "--help"])
    out = capsys.readouterr().out
    assert "example" in out and "--holdout" in out
