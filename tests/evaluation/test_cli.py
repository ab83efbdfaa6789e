import json

import pytest

from pharmasynth.cli import main


def _write(tables, tmp_path, n=250):
    real, fresh, holdout = tables
    paths = {}
    for name, df in (("real", real), ("synthetic", fresh), ("holdout", holdout)):
        paths[name] = tmp_path / f"{name}.csv"
        df.iloc[:n].to_csv(paths[name], index=False)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nname = "y_bounded"\nrequire = "y between -6 and 6"\n')
    paths["rules"] = rules
    return paths


def test_evaluate_writes_json_and_html_and_prints_summary(tables, tmp_path, capsys):
    p = _write(tables, tmp_path)
    out = tmp_path / "out"
    rc = main(["evaluate", "--real", str(p["real"]), "--synthetic", str(p["synthetic"]), "--holdout", str(p["holdout"]),
               "--target", "flag", "--sensitive", "site", "--rules", str(p["rules"]), "--kinds", "count=numeric",
               "--seed", "1", "--out", str(out)])
    assert rc == 0
    data = json.loads((out / "report.json").read_text())
    assert set(data) >= {"score", "groups", "metrics"}
    assert set(data["groups"]) == {"fidelity", "utility", "privacy", "validity"}
    assert all(data["groups"][g]["n_scored"] > 0 for g in data["groups"])
    assert data["meta"]["inputs"]["real"]["path"] == str(p["real"]) and data["meta"]["random_state"] == 1
    import hashlib

    assert data["meta"]["inputs"]["real"]["sha256"] == hashlib.sha256(p["real"].read_bytes()).hexdigest()
    assert data["meta"]["pharmasynth_version"] and len(data["meta"]["input_sha256"]["synthetic"]) == 64
    assert data["passed"] is True and [g["name"] for g in data["gates"]] == ["exact_copies", "membership",
                                                                            "detection_too_low"]
    assert (out / "report.html").read_text().lower().lstrip().startswith("<!doctype html")
    printed = capsys.readouterr().out
    assert "overall score" in printed and "[privacy]" in printed
    assert sorted(x.name for x in out.iterdir()) == ["report.html", "report.json"]


def test_help_teaches_with_an_example(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--holdout" in text and "example:" in text and "require =" in text


def test_bad_file_is_a_clean_error_naming_it(tables, tmp_path, capsys):
    p = _write(tables, tmp_path)
    (tmp_path / "empty.csv").write_text("")
    rc = main(["evaluate", "--real", str(p["real"]), "--synthetic", str(tmp_path / "empty.csv"),
               "--out", str(tmp_path / "out")])
    assert rc != 0
    err = capsys.readouterr().err
    assert "empty.csv" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "report.json").exists()


def test_malformed_kinds_is_a_one_line_usage_error(tables, tmp_path, capsys):
    p = _write(tables, tmp_path, n=60)
    rc = main(["evaluate", "--real", str(p["real"]), "--synthetic", str(p["synthetic"]), "--kinds", "count",
               "--out", str(tmp_path / "out")])
    assert rc == 1
    err = capsys.readouterr().err
    assert "--kinds expects NAME=VALUE, got 'count'" in err and "Traceback" not in err


def _args(p, out, *extra, synthetic=None):
    return ["evaluate", "--real", str(p["real"]), "--synthetic", str(synthetic or p["synthetic"]),
            "--holdout", str(p["holdout"]), "--out", str(out), *extra]


def test_exit_codes_guard_a_pipeline(tables, tmp_path, capsys):
    """0 pass; 3 a failed gate (even with a high average); 4 below --fail-under; 5 no overall score."""
    p = _write(tables, tmp_path, n=150)
    copies = tmp_path / "copies.csv"
    import pandas as pd

    pd.read_csv(p["real"]).to_csv(copies, index=False)
    no_util = ["--weights", "utility=0"]
    assert main(_args(p, tmp_path / "a", *no_util)) == 0
    assert main(_args(p, tmp_path / "b", *no_util, synthetic=copies)) == 3
    data = json.loads((tmp_path / "b" / "report.json").read_text())
    assert data["passed"] is False and data["headline"]["status"] == "fail"
    assert {g["name"] for g in data["gates"] if g["passed"] is False} >= {"exact_copies", "membership"}
    assert main(_args(p, tmp_path / "c", *no_util, "--fail-under", "0.999")) == 4
    # no --target: utility is not run, so there is no overall score to hold against the threshold
    assert main(_args(p, tmp_path / "d", "--fail-under", "0.5")) == 5
    data = json.loads((tmp_path / "d" / "report.json").read_text())
    assert data["score"] is None and data["partial_score"] > 0.5
    assert "utility: not run - no target column given (--target)" in data["headline"]["text"]
    capsys.readouterr()
    assert main(_args(p, tmp_path / "e", "--weights", "style=1")) == 1
    assert "unknown group(s) or negative weight ['style']" in capsys.readouterr().err


def test_out_pointing_at_a_file_fails_before_computing(tables, tmp_path, capsys, monkeypatch):
    import pharmasynth.evaluation as ev

    p = _write(tables, tmp_path, n=60)
    target = tmp_path / "report.txt"
    target.write_text("mine")
    monkeypatch.setattr(ev, "evaluate", lambda *a, **k: pytest.fail("computed before checking --out"))
    assert main(_args(p, target)) == 1
    err = capsys.readouterr().err
    assert f"--out {target} is a file" in err and "Traceback" not in err and target.read_text() == "mine"


def test_a_failing_run_marks_the_earlier_report_stale(tables, tmp_path, capsys):
    p = _write(tables, tmp_path, n=150)
    out = tmp_path / "out"
    assert main(_args(p, out, "--weights", "utility=0")) == 0
    before = (out / "report.json").read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")                     # the wrong columns: a SchemaError
    assert main(_args(p, out, synthetic=bad)) == 1
    assert not (out / "report.json").exists() and (out / "report.stale.json").read_text() == before
    assert (out / "report.stale.html").exists()
    assert "failed" in (out / "STALE.txt").read_text() and "EARLIER run" in (out / "STALE.txt").read_text()
    # the next good run replaces the marks
    assert main(_args(p, out, "--weights", "utility=0")) == 0
    assert sorted(x.name for x in out.iterdir()) == ["report.html", "report.json"]
