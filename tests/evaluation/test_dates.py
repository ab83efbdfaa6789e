"""Dates written as text: one format per column, decided from the values, never guessed per cell."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataWarning, SchemaError
from pharmasynth.evaluation.columns import ColumnOptions
from pharmasynth.evaluation.dates import infer_date_format, parse_dates
from pharmasynth.evaluation.tabular import align_tables, infer_schema

sys.path.insert(0, str(Path(__file__).parent))
from real_tables import REAL_TABLES, SPEC, load_real_table  # noqa: E402


def _true_dates(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Timestamp("1980-01-01") + pd.to_timedelta(rng.integers(0, 15_000, n), unit="D")


@pytest.mark.parametrize("fmt", ["%d-%m-%Y", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y %H:%M"])
def test_every_usual_format_is_read_back_exactly(fmt):
    truth = pd.Series(_true_dates())
    if "%H" in fmt:
        truth = truth + pd.to_timedelta(np.arange(len(truth)) % 600, unit="min")
    text = truth.dt.strftime(fmt)
    found = infer_date_format(text, "d")
    assert found is not None and not found.ambiguous
    parsed = parse_dates(text, found.format, "d", "real")
    # not one day/month swap: with format="mixed" 98 of 300 such dates were read wrongly
    assert (parsed == truth).all()


def test_real_tables_dates_are_typed_with_the_format_they_are_written_in():
    for name in REAL_TABLES:
        df, kw = load_real_table(name)
        schema = infer_schema(df, options=kw["columns"])
        for col, fmt in SPEC[name]["dates"].items():
            assert schema.kinds[col] == "datetime", (name, col)
            assert schema.date_formats[col] == fmt, (name, col)


def test_an_ambiguous_column_is_reported_and_read_by_the_stated_default():
    text = pd.Series(["01-02-2000", "03-04-2001", "05-06-2002"] * 10)
    fmt = infer_date_format(text, "d")
    assert fmt.ambiguous and fmt.format == "%d-%m-%Y" and "AMBIGUOUS" in fmt.note and "--date-format" in fmt.note
    assert infer_date_format(text.str.replace("-", "/"), "d").format == "%m/%d/%Y"  # '/' is the US order
    with pytest.warns(DataWarning, match=r"'d': AMBIGUOUS"):
        schema = infer_schema(pd.DataFrame({"d": text}))
    assert "AMBIGUOUS" in schema.describe().set_index("column").loc["d", "reason"]


def test_date_format_option_overrides_inference():
    real = pd.DataFrame({"d": ["01-02-2000", "03-04-2001", "05-06-2002"] * 10, "x": np.arange(30.0) % 7})
    r, _, _, schema = align_tables(real, real, options=ColumnOptions(date_formats={"d": "%m-%d-%Y"}))
    assert r["d"].iloc[0] == pd.Timestamp("2000-01-02") and "--date-format" in schema.reasons["d"]


def test_mixed_day_first_and_month_first_is_an_error_naming_rows():
    text = pd.Series(["13-01-2000", "01-13-2000"] + ["01-01-2000"] * 20)
    with pytest.raises(SchemaError, match=r"mixes day-first and month-first.*row 0.*row 1"):
        infer_date_format(text, "visit")
    with pytest.raises(SchemaError, match=r"mixes date formats"):
        infer_date_format(pd.Series(["2000-01-13", "13-01-2000"] * 10), "visit")


def test_a_column_40_percent_dates_is_text_with_a_warning():
    rng = np.random.default_rng(1)
    values = np.where(rng.random(200) < 0.4, "12-05-2001", rng.choice(["pending", "n/a", "unknown"], 200))
    real = pd.DataFrame({"when": values, "x": rng.normal(size=200)})
    with pytest.warns(DataWarning, match=r"'when'.*look like dates.*treated as text"):
        schema = infer_schema(real)
    assert schema.kinds["when"] == "categorical" and "--date-format" in schema.reasons["when"]


def test_an_unparseable_cell_is_named_by_row_and_column():
    real = pd.DataFrame({"d": pd.Series(_true_dates(50)).dt.strftime("%d.%m.%Y"), "x": np.arange(50.0) % 3})
    real.loc[37, "d"] = "31.02.2001"  # no such day; the rest settles the format
    with pytest.raises(SchemaError, match=r"column 'd' should hold dates but row 37 holds '31.02.2001'"):
        align_tables(real, real.drop(index=37))


def test_synthetic_dates_may_be_iso_but_not_garbage():
    df, kw = load_real_table("pbc")
    syn = df.copy()
    syn["regdate"] = pd.to_datetime(syn["regdate"], format="%d-%m-%Y").dt.strftime("%Y-%m-%d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        r, s, _, _ = align_tables(df, syn, options=kw["columns"])
    assert (r["regdate"] == s["regdate"]).all()
    syn.loc[5, "regdate"] = "soon"
    with pytest.raises(SchemaError, match=r"synthetic.*'regdate'.*row 5 \(line 7\) holds 'soon'"):
        align_tables(df, syn, options=kw["columns"])
