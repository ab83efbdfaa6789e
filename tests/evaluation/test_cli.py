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
    assert data["meta"]["inputs"]["real"] == str(p["real"]) and data["meta"]["random_state"] == 1
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
