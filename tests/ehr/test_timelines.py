"""The timeline data model: readers and validation that names file, row and column."""


import pandas as pd
import pytest

from pharmasynth.ehr import TimelineSchema, Timelines, read_timelines, validate
from pharmasynth.errors import DataError, InputFileError, SchemaError, SkippedRecordsWarning


def _tables():
    static = pd.DataFrame({"id": [1, 2, 3], "futime": [1000, 500, 800], "status": [0, 1, 0], "age": [50, 60, 70]})
    meas = pd.DataFrame({"id": [1, 1, 2, 3], "days": [-30, 100, 200, 700], "test": ["hdl", "hdl", "hdl", "hdl"],
                         "value": [50.0, 52.0, 40.0, 45.0]})
    events = pd.DataFrame({"id": [1, 2, 3], "days": [-100, 300, 10], "event": ["htn", "MI", "diabetes"]})
    return static, meas, events


def _write(tmp_path, static, meas, events, fmt="csv"):
    paths = {}
    for name, df in (("static", static), ("measurements", meas), ("events", events)):
        p = tmp_path / f"{name}.{fmt}"
        df.to_csv(p, index=False) if fmt == "csv" else df.to_parquet(p)
        paths[name] = p
    return paths


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_reads_valid_tables(tmp_path, fmt):
    p = _write(tmp_path, *_tables(), fmt=fmt)
    tl = read_timelines(p["static"], p["measurements"], p["events"])
    assert tl.n_patients == 3 and len(tl.measurements) == 4 and len(tl.skipped) == 0
    assert tl.attributes() == ["age"]


@pytest.mark.parametrize("table,row,column,value,problem", [
    ("events", 1, "id", 99, "unknown patient id"),
    ("measurements", 2, "days", 900, "after death"),
    ("measurements", 3, "days", 900, "after the end of follow-up"),
    ("events", 0, "days", 2000, "after the end of follow-up"),
    ("events", 1, "days", 501, "after death"),
])
def test_bad_rows_are_named(tmp_path, table, row, column, value, problem):
    static, meas, events = _tables()
    frame = meas if table == "measurements" else events
    frame.loc[row, column] = value
    p = _write(tmp_path, static, meas, events)
    with pytest.raises(DataError) as exc:
        read_timelines(p["static"], p["measurements"], p["events"])
    msg = str(exc.value)
    assert str(p[table]) in msg and f"row {row} (line {row + 2})" in msg and f"column {column!r}" in msg
    assert problem in msg


def test_negative_times_are_history_or_errors(tmp_path):
    p = _write(tmp_path, *_tables())
    read_timelines(p["static"], p["measurements"], p["events"])  # history allowed by default
    with pytest.raises(DataError, match=r"measurements file .*row 0 \(line 2\), column 'days': negative time"):
        read_timelines(p["static"], p["measurements"], p["events"], TimelineSchema(history=False))


def test_duplicates_raise_or_are_dropped_and_reported(tmp_path):
    static, meas, events = _tables()
    meas = pd.concat([meas, meas.iloc[[1]]], ignore_index=True)
    p = _write(tmp_path, static, meas, events)
    with pytest.raises(DataError, match=r"row 4 \(line 6\), column 'id': duplicate row"):
        read_timelines(p["static"], p["measurements"], p["events"])
    with pytest.warns(SkippedRecordsWarning, match="1 x duplicate row"):
        tl = read_timelines(p["static"], p["measurements"], p["events"], on_error="drop")
    assert len(tl.measurements) == 4 and tl.skipped[["table", "row", "problem"]].values.tolist() == [
        ["measurements", 4, "duplicate row"]]


def test_static_problems_fail_fast(tmp_path):
    static, meas, events = _tables()
    bad = static.copy()
    bad.loc[2, "id"] = 1
    p = _write(tmp_path, bad, meas, events)
    with pytest.raises(DataError, match=r"static file .*row 2 \(line 4\), column 'id': patient id 1 appears more"):
        read_timelines(p["static"], p["measurements"], p["events"], on_error="drop")
    bad = static.copy()
    bad["status"] = [0, 2, 0]
    with pytest.raises(DataError, match=r"row 1 \(line 3\), column 'status'"):
        validate(Timelines(bad, meas, events))
    bad = static.copy()
    bad["futime"] = [1000, -5, 800]
    with pytest.raises(DataError, match="column 'futime'"):
        validate(Timelines(bad, meas, events))


def test_schema_and_type_errors(tmp_path):
    static, meas, events = _tables()
    with pytest.raises(SchemaError, match=r"events table: missing column\(s\) \['event'\]"):
        validate(Timelines(static, meas, events.rename(columns={"event": "dx"})))
    validate(Timelines(static, meas, events.rename(columns={"event": "dx"}), TimelineSchema(event="dx")))
    meas = meas.astype({"days": object})
    meas.loc[2, "days"] = "soon"
    with pytest.raises(SchemaError, match=r"row 2 \(line 4\), column 'days': 'soon' is not a number"):
        validate(Timelines(static, meas, events))
    with pytest.raises(InputFileError, match="does not exist"):
        read_timelines(tmp_path / "nope.csv", tmp_path / "m.csv", tmp_path / "e.csv")


def test_shipped_nafld_loads_with_its_known_defects_reported():
    from pharmasynth.ehr import load_nafld

    tl = load_nafld()
    assert tl.n_patients == 17549 and len(tl.events) == 34340 - 13 and len(tl.measurements) == 400123 - 3817
    counts = tl.skipped.groupby("problem").size().to_dict()
    assert counts == {"after death (death ends the timeline)": 9, "after the end of follow-up": 4, "duplicate row": 3817}


def test_split_keeps_whole_timelines(pbc):
    a, b = pbc.split(0.3, random_state=0)
    assert a.n_patients + b.n_patients == pbc.n_patients
    assert not set(a.static.id) & set(b.static.id)
    assert set(b.measurements.id) <= set(b.static.id) and set(a.events.id) <= set(a.static.id)
