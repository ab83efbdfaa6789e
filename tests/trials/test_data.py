"""TrialSchema: each bad input of issue 3 gives a clear error naming the column and row."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataError, SchemaError
from pharmasynth.trials import TrialSchema, actg175_schema, gbsg2_schema, load_actg175, load_gbsg2, to_long, to_wide


def schema(**kw):
    base = dict(id="pid", arm="arm", arms=["control", "active"], baseline={"age": "numeric", "sex": "categorical"},
                visits=["v1", "v2"], visit_times=[4, 12], time="time", event="event")
    base.update(kw)
    return TrialSchema(**base)


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    n = 20
    return pd.DataFrame({"pid": np.arange(n), "arm": ["control", "active"] * 10, "age": rng.normal(50, 5, n),
                         "sex": rng.choice(["F", "M"], n), "v1": rng.normal(size=n), "v2": rng.normal(size=n),
                         "time": rng.uniform(1, 100, n), "event": rng.integers(0, 2, n)})


def test_valid_table_passes_and_is_typed(table):
    out = schema().validate(table)
    assert out["v1"].dtype == float and out["event"].dtype.kind == "i"
    assert out is not table


def test_missing_column(table):
    with pytest.raises(SchemaError, match=r"trial.csv: missing column\(s\) \['v2'\]"):
        schema().validate(table.drop(columns="v2"), source="trial.csv")


def test_unknown_arm_label(table):
    table.loc[4, "arm"] = "placebo"
    with pytest.raises(SchemaError, match=r"unknown arm label 'placebo'.*row 4"):
        schema().validate(table)


def test_one_arm_only(table):
    table["arm"] = "active"
    with pytest.raises(DataError, match="one arm only"):
        schema().validate(table)


def test_outcome_as_text_names_row(table):
    table["v2"] = table["v2"].astype(object)
    table.loc[7, "v2"] = "n/a (lost)"
    with pytest.raises(SchemaError, match=r"outcome column 'v2' must be numeric.*row 7.*'n/a \(lost\)'"):
        schema().validate(table)


def test_numeric_baseline_wrong_type(table):
    table["age"] = table["age"].astype(object)
    table.loc[3, "age"] = "fifty"
    with pytest.raises(SchemaError, match=r"'age'.*row 3.*'fifty'"):
        schema().validate(table)


def test_negative_event_time(table):
    table.loc[2, "time"] = -5.0
    with pytest.raises(DataError, match=r"negative.*row 2"):
        schema().validate(table)


def test_missing_event_time(table):
    table.loc[11, "time"] = np.nan
    with pytest.raises(DataError, match=r"missing at row 11"):
        schema().validate(table)


def test_bad_event_code(table):
    table.loc[1, "event"] = 2
    with pytest.raises(DataError, match=r"0 \(censored\) or 1.*row 1"):
        schema().validate(table)


def test_visit_order():
    with pytest.raises(SchemaError, match="out of order"):
        schema(visit_times=[12, 4])
    with pytest.raises(SchemaError, match="repeat"):
        schema(visits=["v1", "v1"], visit_times=None)


def test_duplicate_ids(table):
    table.loc[5, "pid"] = 0
    with pytest.raises(DataError, match="repeats"):
        schema().validate(table)


def test_long_wide_round_trip(table):
    long = to_long(table, "pid", ["v1", "v2"])
    assert list(long.columns) == ["pid", "visit", "value"] and len(long) == 40
    wide = to_wide(long, "pid", "visit", "value", visits=["v1", "v2"])
    np.testing.assert_allclose(wide[["v1", "v2"]].to_numpy(), table[["v1", "v2"]].to_numpy())
    bad = long.copy()
    bad.loc[3, "visit"] = "v9"
    with pytest.raises(SchemaError, match="unknown visit label 'v9'"):
        to_wide(bad, "pid", "visit", "value", visits=["v1", "v2"])
    dup = pd.concat([long, long.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="repeated"):
        to_wide(dup, "pid", "visit", "value")


def test_shipped_trials_validate():
    actg = load_actg175()
    assert len(actg) == 2139
    out = actg175_schema().validate(actg)
    assert out["cd496"].isna().mean() > 0.3  # the late visit really is often missing
    g = load_gbsg2()
    assert len(g) == 686
    gbsg2_schema().validate(g)
