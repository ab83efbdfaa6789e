"""Dates written as text: which format a column uses, decided from its values, and parsing with it.

Never `format="mixed"`: pandas then guesses per cell and silently reads `11-04-1986` as
November 4th in one row and `13-04-1986` as April 13th in the next. Here a column gets ONE
format, chosen from all its values: a first field above 12 proves day-first, a second field
above 12 proves month-first, both in one column is an error (mixed formats), neither is
ambiguous and parsed by a stated default (day-first, except `/` which is month-first, the US
convention), reported so the user can override with `--date-format COL=FORMAT`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SchemaError

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD = re.compile(r"^\d{4}([-/.])\d{1,2}\1\d{1,2}" + _TIME + r"$")
_XYY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})" + _TIME + r"$")
#: share of a column's values that must look like dates for it to be a date column
DATE_SHARE = 0.9
#: below this share, date-like values in a text column are not worth a note
NOTE_SHARE = 0.1
_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")


@dataclass(frozen=True)
class DateFormat:
    """How one column's dates are written.

    format      strftime date part ("%d-%m-%Y"), or "ISO8601"
    share       share of non-missing values that look like dates
    ambiguous   True when no value settles day vs month (the default order was used)
    note        one sentence for the column-types table
    """

    format: str
    share: float
    ambiguous: bool = False
    note: str = ""


def date_share(values: pd.Series) -> float:
    """Share of the non-missing values written as a date (ISO or D/M/Y with 4-digit year)."""
    text = values.dropna().astype(str).str.strip()
    if len(text) == 0:
        return 0.0
    return float((text.str.match(_YMD) | text.str.match(_XYY)).mean())


def infer_date_format(values: pd.Series, column: str) -> DateFormat | None:
    """The format of a text column of dates, or None when under `DATE_SHARE` of it looks like dates.

    Raises SchemaError when one column mixes day-first and month-first or ISO and D/M/Y forms:
    any single reading would silently misread part of it.
    """
    text = values.dropna().astype(str).str.strip()
    if len(text) == 0:
        return None
    iso = text.str.match(_YMD)
    parts = text.str.extract(_XYY)
    xyy = parts[0].notna()
    share = float((iso | xyy).mean())
    if share < DATE_SHARE:
        return None
    if iso.any() and xyy.any():
        i_iso, i_x = text.index[iso.to_numpy()][0], text.index[xyy.to_numpy()][0]
        raise SchemaError(f"column {column!r} mixes date formats: row {i_iso} is year-first ({text[i_iso]!r}), "
                          f"row {i_x} is not ({text[i_x]!r}). Write one format, or give --date-format "
                          f"{column}=FORMAT and fix the rows that do not follow it.")
    if iso.any():
        return DateFormat("ISO8601", share, note="ISO dates (year-month-day)")
    first, second = parts[0][xyy].astype(int), parts[2][xyy].astype(int)
    seps = parts[1][xyy].unique()
    if len(seps) > 1:
        raise SchemaError(f"column {column!r} mixes date separators {sorted(seps)}; write one format or give "
                          f"--date-format {column}=FORMAT.")
    sep = seps[0]
    day_first, month_first = (first > 12).any(), (second > 12).any()
    if day_first and month_first:
        i_d, i_m = first.index[(first > 12).to_numpy()][0], second.index[(second > 12).to_numpy()][0]
        raise SchemaError(f"column {column!r} mixes day-first and month-first dates: row {i_d} ({text[i_d]!r}) can "
                          f"only be day-first, row {i_m} ({text[i_m]!r}) only month-first. Fix the column; no "
                          "reading of it would be right.")
    dmy, mdy = f"%d{sep}%m{sep}%Y", f"%m{sep}%d{sep}%Y"
    if day_first:
        return DateFormat(dmy, share, note=f"day-first dates ({dmy}): a first field above 12 settles it")
    if month_first:
        return DateFormat(mdy, share, note=f"month-first dates ({mdy}): a second field above 12 settles it")
    default = mdy if sep == "/" else dmy
    return DateFormat(default, share, ambiguous=True,
                      note=f"AMBIGUOUS: no day or month above 12; read as {default} (default for '{sep}'); "
                           f"give --date-format {column}=FORMAT if wrong")


def parse_dates(values: pd.Series, fmt: str, column: str, role: str, *, iso_fallback: bool = False,
                csv_line_offset: int | None = None) -> pd.Series:
    """`values` parsed with one format (times optional); an unparseable cell is a SchemaError naming
    its row and column (and CSV line: row label + `csv_line_offset`). `iso_fallback`: cells that
    fail `fmt` may be ISO dates (what a generator writes for datetime columns), which are unambiguous."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string").str.strip()
    if fmt == "ISO8601" or "%" not in fmt:
        out = pd.to_datetime(text, errors="coerce", format="ISO8601" if fmt == "ISO8601" else fmt)
    else:
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        for suffix in _TIME_SUFFIXES if not any(t in fmt for t in ("%H", "%M")) else ("",):
            todo = out.isna() & text.notna()
            if not todo.any():
                break
            out[todo] = pd.to_datetime(text[todo], errors="coerce", format=fmt + suffix)
    if iso_fallback and fmt != "ISO8601":
        todo = out.isna() & text.notna()
        if todo.any():
            todo[todo] = text[todo].str.match(_YMD).fillna(False).astype(bool)
            out[todo] = pd.to_datetime(text[todo], errors="coerce", format="ISO8601")
    bad = out.isna() & values.notna()
    if bad.any():
        i = values.index[np.flatnonzero(bad.to_numpy())[0]]
        line = f" (line {i + csv_line_offset})" if csv_line_offset is not None and isinstance(i, (int, np.integer)) else ""
        raise SchemaError(f"{role}: column {column!r} should hold dates but row {i}{line} holds {values[i]!r} "
                          f"(expected dates written {fmt}; {int(bad.sum())} unparseable cell(s) in all). Fix or "
                          f"blank them, or give --date-format {column}=FORMAT.")
    return out
