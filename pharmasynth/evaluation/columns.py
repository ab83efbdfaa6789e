"""Which columns a table's metrics model: options a user gives (`ColumnOptions`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class ColumnOptions:
    """What the user says about the columns; everything else is inferred from the real table.

    ids           identifier columns: excluded from modelling and scoring
    date_formats  column -> strftime format (e.g. {"diagdate": "%d-%m-%Y"}), overriding inference
    code_prefix   column -> number of leading characters compared (e.g. {"icd10": 3})
    columns       only these columns are modelled (None: all)
    ignore        columns left out
    """

    ids: tuple[str, ...] = ()
    date_formats: dict[str, str] = field(default_factory=dict)
    code_prefix: dict[str, int] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()


#: at most this many levels reach a gradient-boosting model (HistGradientBoosting's limit is 255 codes:
#: the 254 most frequent real levels plus one "other")
MAX_MODEL_LEVELS = 254
#: a text column with more levels than this is "many-level" (a medical code, say) in the types table
MANY_LEVELS = 50
_UUID = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
_ACCESSION = r"^[A-Za-z]{0,6}[-_]?\d{3,}[A-Za-z0-9-_]*$"
_ID_NAME = r"(^|_|\b)(id|pid|pidnum|patid|patient_?id|subject_?id|subjid|usubjid|mrn|record_?id|uuid|guid|accession)$"
MIN_ID_ROWS = 20


def identifier_reason(s: pd.Series, name: str) -> str | None:
    """Why column `s` is an identifier (and so neither modelled nor scored), or None.

    Identifiers: an unnamed index column; an integer column that is unique per row and either
    counts the rows (steps of exactly 1) or is named like an id; a text column of UUIDs, or unique per row and
    accession-like (letters then digits, no spaces).
    """
    import re

    nonnull = s.dropna()
    n = len(nonnull)
    if n < MIN_ID_ROWS or n < 0.9 * len(s) or not nonnull.is_unique:
        return None
    unnamed = name.startswith("Unnamed:") or name.strip() == ""
    if pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_numeric_dtype(s):
        v = nonnull.to_numpy(dtype=float)
        if not np.all(np.isfinite(v)) or not np.all(np.mod(v, 1) == 0):
            return None  # unique floats are measurements, not ids
        if unnamed:
            return "unnamed column of unique integers (a saved row index)"
        steps = np.abs(np.diff(v))
        if pd.api.types.is_integer_dtype(s) and len(steps) and np.all(steps == 1):
            return "consecutive integers in row order (a row number)"
        if re.search(_ID_NAME, name.lower()):
            return "unique integer per row, named like an identifier"
        return None
    text = nonnull.astype(str).str.strip()
    if unnamed:
        return "unnamed column of unique values (a saved row index)"
    if text.str.match(_UUID).mean() > 0.99:
        return "UUIDs, unique per row"
    if text.str.contains(r"\s").any():
        return None  # unique text with spaces is free text, not an id
    if text.str.match(_ACCESSION).mean() > 0.99 or re.search(_ID_NAME, name.lower()):
        return "unique per row, accession-like codes"
    return None


def free_text_reason(s: pd.Series) -> str | None:
    """Why a text column is free text (reported, not modelled), or None: long strings with spaces,
    mostly distinct. A model of 'rows' cannot compare them, and they often carry identifying text."""
    if s.dtype != object and not pd.api.types.is_string_dtype(s):
        return None
    text = s.dropna().astype(str)
    if len(text) < 10:
        return None
    words = text.str.count(r"\s+") + 1
    distinct = text.nunique() / len(text)
    if words.median() >= 3 and text.str.len().median() >= 20 and distinct > 0.5:
        return (f"free text (median {int(words.median())} words, {distinct:.0%} distinct values): "
                "reported, not modelled")
    return None


def apply_code_prefix(s: pd.Series, n: int) -> pd.Series:
    """Codes compared at their first `n` characters (ICD-10 'E11.65' at 3 -> 'E11'); missing stays missing."""
    return s.map(lambda v: v if v is None else str(v)[:n]).astype(object)


def top_levels(s: pd.Series, k: int = MAX_MODEL_LEVELS) -> pd.Index:
    """The `k` most frequent values of `s` (ties by value, so the choice is reproducible)."""
    counts = s.dropna().value_counts()
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return pd.Index(counts.index[:k])


def check_option_columns(options: ColumnOptions, columns) -> None:
    """Every column an option names exists in the real table."""
    from ..errors import SchemaError

    named = [("--id", c) for c in options.ids] + [("--date-format", c) for c in options.date_formats] \
        + [("--code-prefix", c) for c in options.code_prefix] + [("--columns", c) for c in (options.columns or ())] \
        + [("--ignore", c) for c in options.ignore]
    for opt, c in named:
        if c not in columns:
            raise SchemaError(f"{opt} names column {c!r}, which the real table does not have (columns: {list(columns)}).")
    for c, n in options.code_prefix.items():
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise SchemaError(f"code_prefix[{c!r}]={n!r}: expected a whole number of characters >= 1.")
