"""`pharmasynth ehr fit | sample | evaluate | query` on PBC sequential data, through a fresh parser."""

import argparse
import json
import warnings

import pandas as pd
import pytest

from pharmasynth.cli import ehr
from pharmasynth.errors import DataError, UsageError


def run(argv):
    p = argparse.ArgumentParser(prog="pharmasynth")
    ehr.register(p.add_subparsers())
    args = p.parse_args(argv)
    return args.func(args)


def _real(p):
    return ["--static", str(p["static"]), "--measurements", str(p["measurements"]), "--events", str(p["events"]),
            "--time", "day"]


def test_fit_sample_evaluate_query(tmp_path, capsys, pbc_files):
    p = pbc_files
    assert run(["ehr", "fit", *_real(p), "--covariates", "age", "male", "--holdout", "0.3", "--em-sweeps", "2",
                "--out", str(tmp_path / "fit")]) == 0
    fit = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert fit["patients"] == 218 and fit["holdout_patients"] == 94
    assert (tmp_path / "fit" / "model" / "model.safetensors").is_file()
    assert pd.read_csv(tmp_path / "fit" / "hazards.csv").columns.tolist() == ["event", "term", "coef", "se", "ci_low",
                                                                             "ci_high"]
    assert run(["ehr", "sample", str(tmp_path / "fit" / "model"), "--n", "600", "--seed", "1", "--amplify",
                "ascites=10", "--chunk-size", "250", "--out", str(tmp_path / "syn")]) == 0
    out = capsys.readouterr().out
    assert "600 timelines" in out and "not the population's" in out
    for name in ("static", "measurements", "events"):
        assert (tmp_path / "syn" / f"{name}.parquet").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(["ehr", "evaluate", str(tmp_path / "syn"), *_real(p), "--split", str(tmp_path / "fit" / "split.json"),
                    "--out", str(tmp_path / "eval")]) == 0
    rep = json.loads((tmp_path / "eval" / "report.json").read_text())
    names = {m["name"] for m in rep["metrics"]}
    assert {"cumulative_incidence_gap", "query_median_relative_error", "timeline_membership_auc"} <= names
    assert (tmp_path / "eval" / "report.html").is_file()
    with pytest.warns(Warning, match="amplified"):
        assert run(["ehr", "query", str(tmp_path / "syn"), "incidence ascites by male", "count where male == 1",
                    "--out", str(tmp_path / "q")]) == 0
    answers = json.loads((tmp_path / "q" / "queries.json").read_text())
    assert answers["incidence ascites by male"][0]["amplification_divided_out"] == 10
    assert run(["ehr", "query", "count by male", *_real(p)]) == 0
    assert "male" in capsys.readouterr().out


def test_cli_errors(tmp_path, pbc_files):
    p = pbc_files
    bad = pd.read_csv(p["events"])
    bad.loc[3, "id"] = 99999
    bad.to_csv(tmp_path / "events.csv", index=False)
    with pytest.raises(DataError, match=r"events file .*events.csv, row 3 \(line 5\), column 'id': unknown"):
        run(["ehr", "fit", "--static", str(p["static"]), "--measurements", str(p["measurements"]), "--events",
             str(tmp_path / "events.csv"), "--time", "day", "--out", str(tmp_path / "x")])
    with pytest.raises(UsageError, match="give --n"):
        run(["ehr", "sample", str(tmp_path / "x"), "--out", str(tmp_path / "y")])
    with pytest.raises(UsageError, match="timeline folder"):
        run(["ehr", "query", "count"])


def test_help_has_a_runnable_example(capsys):
    with pytest.raises(SystemExit):
        run(["ehr", "fit", "--help"])
    text = capsys.readouterr().out
    assert "data/nafld/nafld1.csv.gz" in text and "(default futime)" in text
