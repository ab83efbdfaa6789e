"""Column typing on real tables: identifiers, free text, many-level codes, the user's options, and
the column-types table every report shows first."""

import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import SchemaError, UsageError
from pharmasynth.evaluation.columns import ColumnOptions, free_text_reason, identifier_reason
from pharmasynth.evaluation.tabular import align_tables, infer_schema, read_table

sys.path.insert(0, str(Path(__file__).parent))
from real_tables import REAL_TABLES, SPEC, load_real_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_actg175_row_number_and_pidnum_are_identifiers():
    df = read_table(ROOT / "data" / "actg175" / "actg175.csv", role="real")
    schema = infer_schema(df)
    assert set(schema.excluded) == {"Unnamed: 0", "pidnum"}
    assert "Unnamed: 0" not in schema.kinds and "pidnum" not in schema.kinds
    table = schema.describe().set_index("column")
    assert len(table) == df.shape[1]  # every input column, excluded ones included, in order
    assert list(table.index) == list(df.columns)
    assert table.loc["pidnum", "kind"] == "identifier" and "excluded" in table.loc["pidnum", "treatment"]


def test_real_tables_id_and_many_level_code_are_found():
    for name in REAL_TABLES:
        df, kw = load_real_table(name)
        schema = infer_schema(df, options=kw["columns"])
        spec = SPEC[name]
        assert list(schema.excluded) == [spec["id"]], name
        assert schema.kinds[spec["code"]] == "categorical" and schema.levels[spec["code"]] > 50, name
        assert "many-level" in schema.reasons[spec["code"]], name


def test_identifier_kinds_and_non_identifiers():
    rng = np.random.default_rng(0)
    n = 200
    assert "UUID" in identifier_reason(pd.Series([str(uuid.UUID(int=int(i) * 7919 + 1)) for i in range(n)]), "p")
    assert "accession" in identifier_reason(pd.Series([f"MRN-{i:07d}" for i in rng.permutation(10**6)[:n]]), "mrn")
    assert "row number" in identifier_reason(pd.Series(np.arange(5, 5 + n)), "seq")
    assert identifier_reason(pd.Series(rng.permutation(10**5)[:n]), "subject_id") is not None
    # not identifiers: unique measurements, shuffled unique integers with an ordinary name, repeated codes,
    # unique free text, a sorted float column
    assert identifier_reason(pd.Series(rng.normal(size=n)), "weight") is None
    assert identifier_reason(pd.Series(rng.permutation(10**5)[:n]), "cd4") is None
    assert identifier_reason(pd.Series(rng.choice(["E11", "I10"], n)), "icd") is None
    assert identifier_reason(pd.Series([f"patient felt unwell on day {i} after the dose" for i in range(n)]), "note") is None
    assert identifier_reason(pd.Series(np.arange(n, dtype=float)), "age") is None


def test_free_text_is_reported_and_left_out():
    rng = np.random.default_rng(1)
    words = np.array("pain mild severe nausea after dose resolved next day headache reported fatigue".split())
    notes = [" ".join(rng.choice(words, rng.integers(4, 12))) for _ in range(300)]
    assert free_text_reason(pd.Series(notes)).startswith("free text")
    assert free_text_reason(pd.Series(rng.choice(["mild pain", "severe pain"], 300))) is None
    real = pd.DataFrame({"note": notes, "x": rng.normal(size=300), "g": rng.choice(list("abc"), 300)})
    r, s, _, schema = align_tables(real, real.drop(columns="note"))  # an excluded column may be absent
    assert list(r.columns) == ["x", "g"] and schema.describe().set_index("column").loc["note", "kind"] == "free text"


def test_user_options_ids_columns_ignore_and_errors():
    rng = np.random.default_rng(2)
    real = pd.DataFrame({"site": rng.integers(100, 999, 300), "x": rng.normal(size=300),
                         "g": rng.choice(list("ab"), 300), "h": rng.choice(list("xyz"), 300)})
    _, _, _, schema = align_tables(real, real, options=ColumnOptions(ids=("site",), ignore=("h",)))
    assert schema.columns == ["x", "g"] and schema.excluded == {"site": "identifier (named by --id)",
                                                                "h": "ignored (--ignore)"}
    _, _, _, schema = align_tables(real, real, options=ColumnOptions(columns=("x", "g")))
    assert schema.columns == ["x", "g"] and schema.excluded["site"] == "not among --columns"
    with pytest.raises(SchemaError, match=r"--id names column 'patient'"):
        align_tables(real, real, options=ColumnOptions(ids=("patient",)))


def test_code_prefix_compares_icd10_at_three_characters():
    from pharmasynth.evaluation.fidelity import tv_complement

    df, kw = load_real_table("pbc")
    r, s, _, schema = align_tables(df, df, options=ColumnOptions(code_prefix={"icd10": 3}))
    assert r["icd10"].str.len().max() == 3 and "first 3 characters" in schema.treatment("icd10")
    # two tables that differ only below the 3rd character are the same at the prefix level
    other = df.assign(icd10=df["icd10"].str[:3] + ".0")
    r3, o3, _, _ = align_tables(df, other, options=ColumnOptions(code_prefix={"icd10": 3}))
    r5, o5, _, _ = align_tables(df, other)
    assert tv_complement(r3["icd10"], o3["icd10"]) == 1.0 and tv_complement(r5["icd10"], o5["icd10"]) < 0.5


def test_cli_column_options_parse_into_column_options():
    import argparse

    from pharmasynth.cli.evaluate_columns import add_column_options, column_options

    p = argparse.ArgumentParser()
    add_column_options(p)
    args = p.parse_args(["--id", "pidnum", "--date-format", "diag=%d-%m-%Y", "--code-prefix", "icd10=3",
                         "--ignore", "notes"])
    assert column_options(args) == ColumnOptions(ids=("pidnum",), date_formats={"diag": "%d-%m-%Y"},
                                                 code_prefix={"icd10": 3}, ignore=("notes",))
    with pytest.raises(UsageError, match="--code-prefix 'icd10=x'"):
        column_options(p.parse_args(["--code-prefix", "icd10=x"]))
    assert "--date-format" in p.format_help()
