"""The timeline data model: one static row per patient, long-form measurements, time-stamped events.

    static        id, follow-up end (`followup`, days from the index date), death flag (`death`), attributes
    measurements  id, time, test, value        (repeated labs / vitals)
    events        id, time, event              (comorbidities, diagnoses)

Time is in days from each patient's index date. With `history=True` (the NAFLD layout) times
before 0 are the patient's recorded history; with `history=False` they are errors. Nothing may
happen after the end of follow-up, and for a patient who died nothing may happen after death.
`validate` names file, row and column of every problem; `on_error="drop"` skips the bad rows
and reports them (a `SkippedRecordsWarning` plus `Timelines.skipped`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import DataError, SchemaError, SkippedRecordsWarning, check_option


@dataclass(frozen=True)
class TimelineSchema:
    """Column names of the three tables (defaults: the NAFLD tables of R's survival package)."""

    id: str = "id"
    time: str = "days"
    test: str = "test"
    value: str = "value"
    event: str = "event"
    followup: str = "futime"
    death: str = "status"
    history: bool = True

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Timelines:
    """Three tables that describe the same patients (see the module docstring)."""

    static: pd.DataFrame
    measurements: pd.DataFrame
    events: pd.DataFrame
    schema: TimelineSchema = field(default_factory=TimelineSchema)
    sources: dict = field(default_factory=dict)
    skipped: pd.DataFrame | None = None

    @property
    def n_patients(self) -> int:
        return len(self.static)

    def attributes(self) -> list[str]:
        """Static columns other than id, follow-up and death."""
        s = self.schema
        return [c for c in self.static.columns if c not in (s.id, s.followup, s.death)]

    def subset(self, ids) -> "Timelines":
        """The timelines of the patients in `ids` (order of `static` kept)."""
        s = self.schema
        keep = pd.Index(ids)
        return replace(self, static=self.static[self.static[s.id].isin(keep)].reset_index(drop=True),
                       measurements=self.measurements[self.measurements[s.id].isin(keep)].reset_index(drop=True),
                       events=self.events[self.events[s.id].isin(keep)].reset_index(drop=True), skipped=None)

    def split(self, fraction: float, random_state=None) -> tuple["Timelines", "Timelines"]:
        """Patients split at random: (1 - fraction, fraction). Whole timelines stay together."""
        from .._util.random import as_rng

        ids = self.static[self.schema.id].to_numpy()
        perm = as_rng(random_state).permutation(len(ids))
        n_out = int(round(fraction * len(ids)))
        return self.subset(ids[perm[n_out:]]), self.subset(ids[perm[:n_out]])


def _where(sources: dict, table: str) -> str:
    return f"{table} file {sources[table]}" if sources.get(table) else f"{table} table"


def _problem(frame: pd.DataFrame, mask: np.ndarray, table: str, column: str, why: str) -> pd.DataFrame:
    idx = np.flatnonzero(mask)
    # rows count from 0 as read; in a CSV with a header, row i is on line i + 2
    return pd.DataFrame({"table": table, "row": idx, "line": idx + 2, "column": column, "problem": why,
                         "index": frame.index[idx]})


def _check_columns(df: pd.DataFrame, needed: list[str], where: str) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise SchemaError(f"{where}: missing column(s) {missing}; it has {list(df.columns)}. Name the columns "
                          "with the schema options (e.g. --id, --time, --followup).")


def _numeric(df: pd.DataFrame, col: str, where: str) -> pd.Series:
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() & df[col].notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(f"{where}, row {i} (line {i + 2}), column {col!r}: {df[col].tolist()[i]!r} is not a number "
                          f"({int(bad.sum())} such rows). Expected days from the index date as numbers.")
    return values


def validate(tl: Timelines, on_error: str = "raise") -> Timelines:
    """Check the rules of the module docstring; raise on the first kind of problem or drop and report.

    Problems name the row (from 0, as read) and its line in a CSV with a header (row + 2).
    """
    check_option("on_error", on_error, ("raise", "drop"))
    s, src = tl.schema, tl.sources
    st, me, ev = tl.static.copy(), tl.measurements.copy(), tl.events.copy()
    _check_columns(st, [s.id, s.followup, s.death], _where(src, "static"))
    _check_columns(me, [s.id, s.time, s.test, s.value], _where(src, "measurements"))
    _check_columns(ev, [s.id, s.time, s.event], _where(src, "events"))
    for df, cols, table in ((st, [s.followup, s.death], "static"), (me, [s.time, s.value], "measurements"),
                            (ev, [s.time], "events")):
        for c in cols:
            df[c] = _numeric(df, c, _where(src, table))
    dup_id = st[s.id].duplicated(keep="first").to_numpy()
    if dup_id.any():  # a patient defined twice cannot be repaired by dropping rows: fail fast
        i = int(np.flatnonzero(dup_id)[0])
        raise DataError(f"{_where(src, 'static')}, row {i} (line {i + 2}), column {s.id!r}: "
                        f"patient id {st[s.id].tolist()[i]!r} "
                        f"appears more than once ({int(dup_id.sum())} repeats); the static table has one row per patient.")
    fu = st[s.followup].to_numpy(float)
    bad_fu = ~np.isfinite(fu) | (fu < 0)
    if bad_fu.any():
        i = int(np.flatnonzero(bad_fu)[0])
        raise DataError(f"{_where(src, 'static')}, row {i} (line {i + 2}), column {s.followup!r}: follow-up "
                        f"{st[s.followup].tolist()[i]!r} must be a number of days >= 0 ({int(bad_fu.sum())} such rows).")
    dead = st[s.death].to_numpy(float)
    if not np.isin(dead, (0, 1)).all():
        i = int(np.flatnonzero(~np.isin(dead, (0, 1)))[0])
        raise DataError(f"{_where(src, 'static')}, row {i} (line {i + 2}), column {s.death!r}: {st[s.death].tolist()[i]!r} "
                        "is not 0 (alive at end of follow-up) or 1 (died at end of follow-up).")
    end = pd.Series(fu, index=st[s.id].to_numpy())
    died = pd.Series(dead == 1, index=st[s.id].to_numpy())
    problems = []
    for df, table, key in ((me, "measurements", [s.id, s.time, s.test]), (ev, "events", [s.id, s.time, s.event])):
        known = df[s.id].isin(end.index).to_numpy()
        problems.append(_problem(df, ~known, table, s.id, "unknown patient id (not in the static table)"))
        t = df[s.time].to_numpy(float)
        problems.append(_problem(df, ~np.isfinite(t), table, s.time, "missing time"))
        if not s.history:
            problems.append(_problem(df, t < 0, table, s.time, "negative time (before the index date)"))
        stop = df[s.id].map(end).to_numpy(float)
        is_dead = df[s.id].map(died).to_numpy(object) == True  # noqa: E712 (unknown ids map to NaN)
        late = known & (t > stop)
        problems.append(_problem(df, late & is_dead, table, s.time, "after death (death ends the timeline)"))
        problems.append(_problem(df, late & ~is_dead, table, s.time, "after the end of follow-up"))
        problems.append(_problem(df, df.duplicated(key + ([s.value] if table == "measurements" else []),
                                                   keep="first").to_numpy(), table, s.id, "duplicate row"))
    problems.append(_problem(me, me[s.value].isna().to_numpy(), "measurements", s.value, "missing value"))
    found = pd.concat([p for p in problems if len(p)], ignore_index=True) if any(len(p) for p in problems) \
        else pd.DataFrame(columns=["table", "row", "line", "column", "problem", "index"])
    if len(found) and on_error == "raise":
        first = found.iloc[0]
        counts = found.groupby(["table", "problem"]).size()
        more = "; ".join(f"{t}: {n} x {p}" for (t, p), n in counts.items())
        raise DataError(f"{_where(src, first['table'])}, row {first['row']} (line {first['line']}), "
                        f"column {first['column']!r}: "
                        f"{first['problem']} (all problems: {more}). Fix the rows or pass on_error='drop' "
                        "(CLI: --on-error drop) to skip them with a report.")
    if len(found):
        counts = found.groupby(["table", "problem"]).size()
        warnings.warn("skipped timeline rows: " + "; ".join(f"{t}: {n} x {p}" for (t, p), n in counts.items())
                      + ". They are listed in Timelines.skipped; fix the source to keep them.",
                      SkippedRecordsWarning, stacklevel=2)
        me = me.drop(index=found.loc[found.table == "measurements", "index"].unique())
        ev = ev.drop(index=found.loc[found.table == "events", "index"].unique())
    ev[s.event] = ev[s.event].astype(str)
    me[s.test] = me[s.test].astype(str)
    return replace(tl, static=st.reset_index(drop=True), measurements=me.reset_index(drop=True),
                   events=ev.reset_index(drop=True), skipped=found.drop(columns="index"))


def read_timelines(static, measurements, events, schema: TimelineSchema | None = None,
                   on_error: str = "raise") -> Timelines:
    """Read the three tables (CSV, gzipped CSV or Parquet) and validate them."""
    from ..evaluation.tabular import read_table

    tables = {"static": static, "measurements": measurements, "events": events}
    frames = {k: read_table(v, role=k) for k, v in tables.items()}
    tl = Timelines(frames["static"], frames["measurements"], frames["events"], schema or TimelineSchema(),
                   sources={k: str(v) for k, v in tables.items()})
    return validate(tl, on_error=on_error)
