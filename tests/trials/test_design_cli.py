"""The `design` verb and the survival path of `simulate`: JSON contract, HTML, clear errors, help."""

import argparse
import json

import pytest

from pharmasynth.cli.trials_design import register_design
from pharmasynth.cli.trials_simulate import register_simulate
from pharmasynth.errors import DataError, InputFileError, UsageError


def _parser():
    parser = argparse.ArgumentParser(prog="pharmasynth trials")
    verbs = parser.add_subparsers(dest="verb")
    register_design(verbs)
    register_simulate(verbs)
    return parser


def _run(argv):
    args = _parser().parse_args(argv)
    return args.func(args)


def test_design_331_events(tmp_path, capsys):
    out = tmp_path / "d"
    assert _run(["design", "--endpoint", "survival", "--hr", "0.7", "--alpha", "0.05", "--sided", "2", "--power", "0.9",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "design.json").read_text())
    assert doc["events"] == 331 and "patients" not in doc and "boundaries" not in doc
    assert (out / "report.html").stat().st_size > 10_000
    assert "331" in capsys.readouterr().out


@pytest.mark.parametrize("spending,extra,first_z", [("obf", [], 3.7103), ("pocock", [], 2.2794),
                                                     ("hsd", ["--gamma", "-4"], 3.0107)])
def test_design_with_looks_writes_boundaries(tmp_path, spending, extra, first_z):
    out = tmp_path / spending
    _run(["design", "--hr", "0.7", "--looks", "3", "--spending", spending, *extra, "--control-median", "12",
          "--accrual-rate", "20", "--follow-up", "12", "--out", str(out)])
    doc = json.loads((out / "design.json").read_text())
    assert len(doc["boundaries"]) == 3 and doc["patients"] > doc["events"] and doc["duration"] > 0
    for b in doc["boundaries"]:
        assert {"information_fraction", "z", "nominal_p", "cumulative_alpha", "events"} <= set(b)
    assert doc["boundaries"][0]["z"] == pytest.approx(first_z, abs=1e-3)
    assert doc["boundaries"][-1]["cumulative_alpha"] == pytest.approx(0.05)


def test_design_errors_are_clear_and_write_nothing(tmp_path):
    out = tmp_path / "bad"
    with pytest.raises(UsageError, match="alpha must lie strictly between 0 and 1; got 1.5"):
        _run(["design", "--hr", "0.7", "--alpha", "1.5", "--out", str(out)])
    with pytest.raises(UsageError, match="power must lie strictly"):
        _run(["design", "--hr", "0.7", "--power", "1.0", "--out", str(out)])
    with pytest.raises(UsageError, match="differ from 1"):
        _run(["design", "--hr", "1", "--out", str(out)])
    with pytest.raises(UsageError, match="two of accrual"):
        _run(["design", "--hr", "0.7", "--control-median", "12", "--accrual-rate", "20", "--out", str(out)])
    with pytest.raises(InputFileError, match=r"x\.json: no such design file"):
        _run(["simulate", "--endpoint", "survival", "--design", str(tmp_path / "x.json"), "--out", str(out)])
    assert not out.exists()


def test_simulate_survival_from_design(tmp_path):
    d = tmp_path / "d"
    _run(["design", "--hr", "0.6", "--alpha", "0.025", "--sided", "1", "--looks", "2", "--control-median", "10",
          "--accrual-rate", "30", "--follow-up", "6", "--out", str(d)])
    out = tmp_path / "s"
    assert _run(["simulate", "--design", str(d / "design.json"), "--hrs", "1", "0.6", "--n-trials", "400",
                 "--out", str(out)]) == 0
    doc = json.loads((out / "simulation.json").read_text())
    rows = {r["true_hr"]: r for r in doc["scenarios"]}
    assert rows[1.0]["rejection_rate"] < 0.08 and rows[0.6]["rejection_rate"] > 0.7
    assert {"mc_se", "p_stop_look_1", "p_stop_look_2", "expected_events", "expected_events_mc_se",
            "expected_duration", "expected_duration_mc_se"} <= set(rows[0.6])
    assert (out / "report.html").stat().st_size > 10_000


def test_simulate_survival_needs_a_design_and_names_a_bad_one(tmp_path):
    bad = tmp_path / "design.json"
    bad.write_text("{not json")
    with pytest.raises(InputFileError, match=r"design\.json: not a JSON design file \(line 1"):
        _run(["simulate", "--endpoint", "survival", "--design", str(bad), "--out", str(tmp_path / "o")])
    with pytest.raises(UsageError, match="needs --design"):
        _run(["simulate", "--endpoint", "survival", "--out", str(tmp_path / "o")])
    with pytest.raises(UsageError, match="needs --twin and --pool"):
        _run(["simulate", "--out", str(tmp_path / "o")])


def test_help_shows_defaults_and_shipped_data_examples():
    parser = _parser()
    sub = parser._subparsers._group_actions[0].choices
    text = sub["design"].format_help()
    assert "data/actg175/actg175.csv" in text and "(default: 0.05)" in text and "(default: obf)" in text
    assert "data/actg175/actg175.csv" in sub["simulate"].format_help()


def test_event_only_twin_from_the_cli_design_and_simulate(tmp_path):
    """An event-only twin saved to disk (GBSG2): design from its Weibull, then simulate it; without a
    design, simulate says what to give instead of a traceback."""
    from pharmasynth.trials import DigitalTwin, load_gbsg2

    df = load_gbsg2()
    base = ["age", "tsize", "pnodes"]
    DigitalTwin(baseline=base, visits=[], time="time", event="cens").fit(df).save(tmp_path / "twin")
    pool = tmp_path / "pool.csv"
    df[base].to_csv(pool, index=False)
    with pytest.raises(UsageError, match="needs --design"):
        _run(["simulate", "--twin", str(tmp_path / "twin"), "--pool", str(pool), "--out", str(tmp_path / "x")])
    holes = tmp_path / "holes.csv"
    df[base].assign(tsize=df["tsize"].where(df.index != 3)).to_csv(holes, index=False)
    with pytest.raises(DataError, match=r"holes\.csv: .*'tsize'.* row 3"):
        _run(["design", "--hr", "0.7", "--twin", str(tmp_path / "twin"), "--pool", str(holes),
              "--accrual-duration", "700", "--follow-up", "700", "--out", str(tmp_path / "bad")])
    assert not (tmp_path / "bad").exists()
    _run(["design", "--hr", "0.7", "--looks", "2", "--twin", str(tmp_path / "twin"), "--pool", str(pool),
          "--accrual-duration", "700", "--follow-up", "700", "--out", str(tmp_path / "d")])
    doc = json.loads((tmp_path / "d" / "design.json").read_text())
    assert doc["control_hazard"]["kind"] == "weibull" and doc["patients"] > doc["events"]
    with pytest.raises(UsageError, match="came from a twin"):
        _run(["simulate", "--design", str(tmp_path / "d" / "design.json"), "--out", str(tmp_path / "s0")])
    _run(["simulate", "--design", str(tmp_path / "d" / "design.json"), "--twin", str(tmp_path / "twin"), "--pool",
          str(pool), "--n-trials", "200", "--analyses", "logrank", "cox", "rmst", "--out", str(tmp_path / "s")])
    doc = json.loads((tmp_path / "s" / "simulation.json").read_text())
    assert {r["analysis"] for r in doc["scenarios"]} == {"logrank", "cox", "rmst"}


def test_piecewise_control_hazard_from_the_cli(tmp_path):
    out = tmp_path / "pw"
    _run(["design", "--hr", "0.75", "--control-hazard", "0.002", "0.001", "--hazard-breaks", "0", "180",
          "--accrual-rate", "2", "--accrual-duration", "500", "--out", str(out)])
    doc = json.loads((out / "design.json").read_text())
    assert doc["control_hazard"] == {"kind": "piecewise", "rates": [0.002, 0.001], "interval_starts": [0.0, 180.0],
                                     "median": pytest.approx(180 + (0.6931471805599453 - 0.36) / 0.001)}
    assert doc["patients"] == 1000 and doc["duration"] > 500
    with pytest.raises(UsageError, match="interval starts"):
        _run(["design", "--hr", "0.75", "--control-hazard", "0.002", "0.001", "--accrual-rate", "2",
              "--accrual-duration", "500", "--out", str(out)])
