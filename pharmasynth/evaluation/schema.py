"""Column typing, decided ONCE on the real table: each column's kind, why, and what the metrics do
with it (`TableSchema.describe()`, the first table of every report).

Kinds that are modelled: numeric, categorical, boolean, datetime. Columns that are not:
identifiers (unique per row: they carry no distribution to imitate and scoring them rewards
copying), free text, and columns the user ignores; they are listed in `TableSchema.excluded`
with the reason.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, DataWarning, SchemaError
from .columns import (MANY_LEVELS, MAX_MODEL_LEVELS, ColumnOptions, check_option_columns, free_text_reason,
                      identifier_reason)
from .dates import DATE_SHARE, NOTE_SHARE, DateFormat, date_share, infer_date_format

KINDS = ("numeric", "categorical", "boolean", "datetime")
#: an object column whose values are at least this share numbers is a numeric column with bad cells
NUMERIC_SHARE = 0.9

_TREATMENT = {
    "numeric": "KS shape, correlations, models as a number",
    "categorical": "TV shape, contingency tables, models as a category",
    "boolean": "TV shape, contingency tables, models as a category",
    "datetime": "as days: KS shape, intervals between date columns, temporal order; models as a number",
}


@dataclass
class TableSchema:
    """Column name -> kind for the modelled columns, in the real table's column order.

    excluded      column -> why it is not modelled (identifier, free text, ignored)
    reasons       column -> why it got its kind
    date_formats  datetime column -> the format its text is parsed with ("ISO8601", "%d-%m-%Y", ...)
    code_prefix   column -> characters compared (`--code-prefix`)
    levels        categorical column -> number of distinct real values
    input_columns every column of the real table, in order (modelled or not)
    """

    kinds: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    code_prefix: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    input_columns: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return list(self.kinds)

    def of_kind(self, *kinds: str) -> list[str]:
        return [c for c, k in self.kinds.items() if k in kinds]

    @property
    def numeric(self) -> list[str]:
        return self.of_kind("numeric")

    @property
    def categorical(self) -> list[str]:
        """Categorical and boolean columns (both compared as discrete values)."""
        return self.of_kind("categorical", "boolean")

    @property
    def datetime(self) -> list[str]:
        return self.of_kind("datetime")

    def categorical_mask(self) -> np.ndarray:
        """One bool per column (in order): True for the discrete ones, as a model's categorical_features."""
        return np.array([k in ("categorical", "boolean") for k in self.kinds.values()], dtype=bool)

    def to_dict(self) -> dict:
        return dict(self.kinds)

    def treatment(self, column: str) -> str:
        if column in self.excluded:
            return "excluded from modelling and scoring"
        kind = self.kinds[column]
        text = _TREATMENT[kind]
        if column in self.code_prefix:
            text = f"compared at its first {self.code_prefix[column]} characters; " + text
        if kind == "categorical" and self.levels.get(column, 0) > MAX_MODEL_LEVELS:
            text = (f"exact values for shape and privacy; the {MAX_MODEL_LEVELS} most frequent real levels + "
                    "'other' in the detection and utility models")
        return text

    def describe(self) -> pd.DataFrame:
        """One row per input column: column, kind, reason, treatment (excluded columns included)."""
        rows = []
        for c in self.input_columns or [*self.kinds, *self.excluded]:
            if c in self.kinds:
                rows.append({"column": c, "kind": self.kinds[c], "reason": self.reasons.get(c, ""),
                             "treatment": self.treatment(c)})
            elif c in self.excluded:
                kind = ("identifier" if "identifier" in self.excluded[c] or "unique" in self.excluded[c]
                        or "UUID" in self.excluded[c] else "free text" if "free text" in self.excluded[c] else "ignored")
                rows.append({"column": c, "kind": kind, "reason": self.excluded[c], "treatment": self.treatment(c)})
        return pd.DataFrame(rows, columns=["column", "kind", "reason", "treatment"])


def infer_kind(s: pd.Series, max_categories: int = 20) -> str:
    """numeric | categorical | boolean | datetime for one column, from its values alone.

    Integers with few distinct values (<= max_categories, e.g. 0/1 codes, arm labels) are
    categorical: comparing their shapes with a KS test would be misleading.
    """
    return _infer(s, str(s.name), max_categories)[0]


def _infer(s: pd.Series, name: str, max_categories: int) -> tuple[str, str, DateFormat | None]:
    """(kind, reason, date format or None)."""
    nonnull = s.dropna()
    if pd.api.types.is_bool_dtype(s) or (len(nonnull) and s.dtype == object and set(pd.unique(nonnull)) <= {True, False}):
        return "boolean", "True/False values", None
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime", "datetime values", None
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        fmt = infer_date_format(s, name)
        if fmt is not None:
            if fmt.ambiguous:
                warnings.warn(f"column {name!r}: {fmt.note}.", DataWarning, stacklevel=4)
            return "datetime", fmt.note, fmt
        share = date_share(s)
        _check_numeric_text(s, name)
        levels = nonnull.astype(str).nunique()
        reason = f"text, {levels:,} distinct values" + (" (many-level code)" if levels > MANY_LEVELS else "")
        if share > NOTE_SHARE:
            note = (f"{share:.0%} of its values look like dates, {1 - share:.0%} do not (under {DATE_SHARE:.0%}): "
                    f"treated as text; give --date-format {name}=FORMAT to read it as dates")
            warnings.warn(f"column {name!r}: {note}.", DataWarning, stacklevel=4)
            reason = note
        return "categorical", reason, None
    if pd.api.types.is_numeric_dtype(s):
        n_levels = nonnull.nunique()
        if pd.api.types.is_integer_dtype(s) or (len(nonnull) and np.all(np.mod(nonnull, 1) == 0)):
            if n_levels <= min(max_categories, 2) or (
                    pd.api.types.is_integer_dtype(s) and n_levels <= max_categories and n_levels < 0.05 * len(nonnull)):
                return "categorical", f"integer codes, {n_levels} distinct values", None
        return "numeric", "numbers", None
    return "categorical", f"{s.dtype} values", None


def _check_numeric_text(s: pd.Series, name: str) -> None:
    """A column of numbers with a few text cells is a numeric column with bad cells, not a category:
    switching it to categorical silently would score it on the wrong scale."""
    text = s.dropna()
    num = pd.to_numeric(text.astype(str).str.strip(), errors="coerce")
    ok = num.notna()
    if len(text) >= 10 and NUMERIC_SHARE <= ok.mean() < 1:
        bad = text.index[~ok.to_numpy()]
        raise SchemaError(f"real table: column {name!r} holds numbers except row {bad[0]} ({text[bad[0]]!r}); "
                          f"{len(bad)} non-numeric cell(s) in all. Blank or fix them, or declare the column "
                          f"categorical (kinds={{{name!r}: 'categorical'}}, --kinds {name}=categorical).")


def _looks_dated(s: pd.Series) -> bool:
    # unique ISO dates would otherwise pass for accession-like ids
    return (s.dtype == object or pd.api.types.is_datetime64_any_dtype(s)) and (
        pd.api.types.is_datetime64_any_dtype(s) or date_share(s) >= DATE_SHARE)


def infer_schema(real: pd.DataFrame, kinds: dict[str, str] | None = None, max_categories: int = 20,
                 options: ColumnOptions | None = None) -> TableSchema:
    """Each column's kind from the real table; `kinds` overrides any column, `options` names ids,
    date formats, code prefixes and the columns to keep or ignore."""
    kinds, options = dict(kinds or {}), options or ColumnOptions()
    for c, k in kinds.items():
        if c not in real.columns:
            raise SchemaError(f"kinds names column {c!r}, which the real table does not have (columns: {list(real.columns)}).")
        if k not in KINDS:
            raise SchemaError(f"kinds[{c!r}]={k!r} is not one of {KINDS}.")
    check_option_columns(options, real.columns)
    schema = TableSchema(input_columns=[str(c) for c in real.columns], code_prefix=dict(options.code_prefix))
    for c in real.columns:
        s = real[c]
        if c in options.ignore:
            schema.excluded[c] = "ignored (--ignore)"
        elif options.columns is not None and c not in options.columns:
            schema.excluded[c] = "not among --columns"
        elif c in options.ids:
            schema.excluded[c] = "identifier (named by --id)"
        elif s.isna().all():
            raise DataError(f"column {c!r} of the real table is entirely missing (all NaN); drop it or --ignore it.")
        elif c in options.date_formats:
            schema.kinds[c], schema.reasons[c] = "datetime", f"dates written {options.date_formats[c]} (--date-format)"
            schema.date_formats[c] = options.date_formats[c]
        elif c in kinds:
            schema.kinds[c], schema.reasons[c] = kinds[c], "declared (kinds)"
            if kinds[c] == "datetime" and not pd.api.types.is_datetime64_any_dtype(s):
                fmt = infer_date_format(s, c)
                if fmt is None:
                    raise SchemaError(f"column {c!r} is declared datetime but under {DATE_SHARE:.0%} of its values "
                                      f"look like dates (e.g. {s.dropna().iloc[0]!r}); give --date-format {c}=FORMAT.")
                schema.date_formats[c], schema.reasons[c] = fmt.format, f"declared (kinds); {fmt.note}"
        elif not _looks_dated(s) and (why := identifier_reason(s, str(c))) is not None:
            schema.excluded[c] = f"identifier: {why}"
        elif (why := free_text_reason(s)) is not None:
            schema.excluded[c] = why
        else:
            kind, reason, fmt = _infer(s, str(c), max_categories)
            schema.kinds[c], schema.reasons[c] = kind, reason
            if fmt is not None:
                schema.date_formats[c] = fmt.format
        if schema.kinds.get(c) in ("categorical", "boolean"):
            schema.levels[c] = int(s.dropna().astype(str).nunique())
    if not schema.kinds:
        raise SchemaError(f"no column of the real table is left to model (excluded: {schema.excluded}).")
    return schema
