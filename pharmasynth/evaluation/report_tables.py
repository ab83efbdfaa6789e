"""Tables in a report page: numbers for people, units in the header, long tables folded with a CSV.

    cell_text(value)            1,825 / 0.786 / "—" for NaN, None and empty lists; lists as "611, 1,207"
    frame_html(title, frame)    a scrolling table; over `FOLD_ROWS` rows folded in <details> with the
                                whole table as a CSV download (a data: URI: the report stays one file)
    mapping_html(meta)          the "About" section: nested dicts as nested tables, never raw JSON

Units come from `frame.attrs["units"]` ({column: unit}), set by `Report.add_table(..., units=)`.
"""

from __future__ import annotations

import base64
import html
import math
import re

from .lead import MISSING, format_number

FOLD_ROWS = 15      # longer tables are folded (<details>) and offered as CSV
SHOW_ROWS = 200     # at most this many rows in the page; the CSV has them all
MAX_CSV_BYTES = 5_000_000  # larger tables are shown without the download (the page would grow too much)
LIST_ITEMS = 12     # a list cell shows this many items, then "… (N in all)"


def _is_number(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    return hasattr(v, "item") and hasattr(v, "dtype") and getattr(v, "ndim", 1) == 0 and v.dtype.kind in "iuf"


def cell_text(value, digits: int = 3) -> str:
    """One value as a reader should see it (see the module docstring)."""
    if value is None:
        return MISSING
    if _is_number(value):
        return format_number(value, digits)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays, pandas Series
        value = value.tolist()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        if not items:
            return MISSING
        shown = ", ".join(cell_text(v, digits) for v in items[:LIST_ITEMS])
        return shown + (f", … ({len(items)} in all)" if len(items) > LIST_ITEMS else "")
    if isinstance(value, dict):
        if not value:
            return MISSING
        return "; ".join(f"{k}: {cell_text(v, digits)}" for k, v in value.items())
    if hasattr(value, "isoformat"):
        return MISSING if str(value) == "NaT" else value.isoformat()
    text = str(value)
    return MISSING if text.strip().lower() in ("", "nan", "nat", "<na>", "none", "[]", "{}") else text


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_").lower()[:60] or "table"


def csv_link(title: str, frame) -> str:
    """A download link holding the whole table as CSV ('' when it is too large to embed)."""
    data = frame.to_csv(index=False).encode("utf-8")
    if len(data) > MAX_CSV_BYTES:
        return f"<span class='note'>({len(frame):,} rows: too large to embed as CSV)</span>"
    uri = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
    return f"<a class='csv' download='{_slug(title)}.csv' href='{uri}'>download CSV ({len(frame):,} rows)</a>"


def _header(col, units: dict) -> str:
    name = html.escape(str(col))
    unit = units.get(col)
    return f"<th>{name}" + (f" <span class='unit'>({html.escape(unit)})</span>" if unit else "") + "</th>"


def table_body(frame, units: dict | None = None, max_rows: int = SHOW_ROWS, row_classes=None) -> str:
    """The <table> of a DataFrame (index dropped unless it is named), numbers right-aligned and formatted."""
    units = dict(units or frame.attrs.get("units") or {})
    if any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    out = ["<table><tr>" + "".join(_header(c, units) for c in frame.columns) + "</tr>"]
    for i, row in enumerate(frame.head(max_rows).itertuples(index=False)):
        cls = row_classes[i] if row_classes is not None else None
        cells = []
        for v in row:
            num = _is_number(v) and not (isinstance(v, float) and math.isnan(v))
            cells.append(f"<td class='num'>{html.escape(cell_text(v))}</td>" if num
                         else f"<td>{html.escape(cell_text(v))}</td>")
        out.append((f"<tr class='{cls}'>" if cls else "<tr>") + "".join(cells) + "</tr>")
    out.append("</table>")
    if len(frame) > max_rows:
        out.append(f"<p class='note'>first {max_rows} of {len(frame):,} rows shown; the CSV has them all.</p>")
    return "".join(out)


def frame_html(title: str, frame, units: dict | None = None, note: str = "", level: int = 2) -> str:
    """A titled table: short ones open, long ones folded under their title with a CSV download."""
    e = html.escape
    head = f"<h{level}>{e(title)}</h{level}>" + (f"<p class='note'>{e(note)}</p>" if note else "")
    body = f"<div class='scroll'>{table_body(frame, units)}</div>"
    if len(frame) <= FOLD_ROWS:
        return head + body
    return (head + f"<details><summary>show the table ({len(frame):,} rows)</summary>{body}</details>"
            + csv_link(title, frame))


def mapping_html(mapping: dict, depth: int = 0) -> str:
    """Key/value rows; a nested dict becomes a nested table (two levels), deeper ones a line of text."""
    e = html.escape
    rows = []
    for k, v in mapping.items():
        if isinstance(v, dict) and v and depth < 2:
            cell = mapping_html(v, depth + 1)
        elif isinstance(v, (list, tuple)) and v and all(isinstance(x, dict) for x in v) and depth < 2:
            import pandas as pd

            cell = f"<div class='scroll'>{table_body(pd.DataFrame(list(v)), max_rows=30)}</div>"
        else:
            cell = e(cell_text(v))
        rows.append(f"<tr><th>{e(str(k).replace('_', ' '))}</th><td>{cell}</td></tr>")
    return "<table class='about'>" + "".join(rows) + "</table>"
