"""Four real tables from different sources, each with dates, an identifier and a many-level code
column (see data/README.md for what is real and what was added). Used by the column-typing tests
and by the controls-ordering test.

    df, kwargs = load_real_table("pbc")
    evaluate(train, synthetic, holdout=holdout, **kwargs)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pharmasynth.evaluation.columns import ColumnOptions
from pharmasynth.evaluation.tabular import read_table

DATA = Path(__file__).parent / "data"
REAL_TABLES = ("pbc", "colon", "rossi", "diabetes")

#: per table: evaluate() keyword arguments, and what the column typing must find (the tests check it)
SPEC = {
    "pbc": {"kwargs": {"target": "status", "columns": ColumnOptions(code_prefix={"icd10": 3})},
            "id": "id", "dates": {"birthdate": "%d-%m-%Y", "regdate": "%d-%m-%Y", "lastdate": "%d-%m-%Y"},
            "code": "icd10", "order": [("birthdate", "regdate"), ("regdate", "lastdate")]},
    "colon": {"kwargs": {"target": "status", "columns": ColumnOptions()},
              "id": "id", "dates": {"surgdate": "%d.%m.%Y", "recdate": "%d.%m.%Y", "lastdate": "%d.%m.%Y"},
              "code": "hospital", "order": [("surgdate", "recdate"), ("recdate", "lastdate")]},
    "rossi": {"kwargs": {"target": "arrest", "columns": ColumnOptions()},
              "id": "person", "dates": {"releasedate": "%m/%d/%Y", "arrestdate": "%m/%d/%Y", "enddate": "%m/%d/%Y"},
              "code": "offence", "order": [("releasedate", "arrestdate"), ("arrestdate", "enddate")]},
    "diabetes": {"kwargs": {"target": "target", "columns": ColumnOptions()},
                 "id": "patient", "dates": {"visit": "ISO8601", "labdate": "ISO8601", "followup": "ISO8601"},
                 "code": "atc", "order": [("visit", "labdate"), ("labdate", "followup")]},
}


def load_real_table(name: str) -> tuple[pd.DataFrame, dict]:
    """(the table as read from its CSV, evaluate() keyword arguments: target, columns)."""
    if name not in SPEC:
        raise KeyError(f"no real test table {name!r}; the tables are {REAL_TABLES}.")
    df = read_table(DATA / f"{name}.csv.gz", role="real")
    return df, dict(SPEC[name]["kwargs"])
