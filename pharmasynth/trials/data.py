"""Trial data: a schema that validates a patient table, long <-> wide visits, and two real trials.

A trial table has one row per patient (wide format):

    id | arm | baseline covariates ... | outcome at visit 1, visit 2, ... | time | event

or, for the outcomes, one row per patient x visit (long format: id, visit, value), which
`to_wide` turns into the wide table the models use. `TrialSchema.validate` checks a table
before anything is fitted and names the file, row and column of every problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..datasets import load_actg175, load_gbsg2
from ..errors import DataError, SchemaError, check_option

__all__ = ["ACTG175_ARMS", "ACTG175_BASELINE", "BASELINE_KINDS", "GBSG2_BASELINE", "TrialSchema", "actg175_schema",
           "gbsg2_schema", "load_actg175", "load_gbsg2", "to_long", "to_wide"]  # the loaders are re-exported

BASELINE_KINDS = ("numeric", "categorical")


def _where(source: str) -> str:
    return f"{source}: " if source else ""


def _row_label(df: pd.DataFrame, pos: int) -> str:
    """How a user finds row `pos`: its index label (the CLI adds the CSV line: label + 2)."""
    label = df.index[pos]
    if isinstance(label, np.generic):
        label = label.item()
    return f"row {label!r}"


def _plain(value):
    """numpy scalars shown as Python ones in messages (2, not np.int64(2))."""
    return value.item() if isinstance(value, np.generic) else value


def _first_rows(df: pd.DataFrame, mask: np.ndarray, k: int = 5) -> str:
    pos = np.flatnonzero(mask)
    shown = ", ".join(_row_label(df, p) for p in pos[:k])
    more = f" and {len(pos) - k} more" if len(pos) > k else ""
    return shown + more


def _numeric_or_raise(df: pd.DataFrame, col: str, source: str, what: str) -> pd.Series:
    """Column as float; text that is not a number is an error naming the row and the value."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    conv = pd.to_numeric(s, errors="coerce")
    bad = conv.isna().to_numpy() & s.notna().to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"{_where(source)}{what} column {col!r} must be numeric, but {_row_label(df, first)} holds "
            f"{s.iloc[first]!r} ({int(bad.sum())} non-numeric value(s): {_first_rows(df, bad)}). "
            "Fix or blank those cells (a blank is a missing value).")
    return conv.astype(float)


@dataclass
class TrialSchema:
    """What a trial table must hold.

    id         patient identifier column (unique per row in wide format), or None (row index)
    arm        treatment/arm column, or None (e.g. a table of historical controls only)
    arms       the allowed arm labels (compared as text, so 0 and "0" match); None = any, but >= 2
               distinct labels are required when `require_two_arms` is True
    baseline   covariate name -> "numeric" | "categorical"
    visits     continuous outcome columns in visit order (wide format)
    visit_times  optional nominal times of the visits (must increase)
    time, event  time-to-event endpoint: time >= 0 (no missing), event in {0, 1}
    """

    id: str | None = None
    arm: str | None = None
    arms: list | None = None
    baseline: dict[str, str] = field(default_factory=dict)
    visits: list[str] = field(default_factory=list)
    visit_times: list[float] | None = None
    time: str | None = None
    event: str | None = None
    require_two_arms: bool = True

    def __post_init__(self):
        self.baseline = dict(self.baseline)
        self.visits = list(self.visits)
        for c, k in self.baseline.items():
            check_option(f"baseline[{c!r}]", k, BASELINE_KINDS)
        if len(set(self.visits)) != len(self.visits):
            raise SchemaError(f"visits {self.visits} repeat a column; list each visit once, in order.")
        if self.visit_times is not None:
            t = np.asarray(self.visit_times, float)
            if len(t) != len(self.visits):
                raise SchemaError(f"visit_times has {len(t)} entries for {len(self.visits)} visits {self.visits}.")
            if np.any(np.diff(t) <= 0):
                raise SchemaError(f"visits out of order: visit_times {list(t)} must increase strictly "
                                  f"(visits {self.visits}); list the visits in the order they happen.")
        if (self.time is None) != (self.event is None):
            raise SchemaError("give both time and event (the time-to-event endpoint), or neither.")

    @property
    def columns(self) -> list[str]:
        cols = [self.id, self.arm, *self.baseline, *self.visits, self.time, self.event]
        out = []
        for c in cols:
            if c is not None and c not in out:
                out.append(c)
        return out

    def validate(self, df: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
        """Check `df` and return a typed copy (numerics as float, categoricals as text-safe objects).

        Raises SchemaError (missing column, wrong type, unknown arm label, text in an outcome) or
        DataError (one arm only, negative/missing event times, bad event codes, duplicate ids).
        """
        source = source if source is not None else str(df.attrs.get("source", ""))
        w = _where(source)
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"{w}expected a pandas DataFrame, got {type(df).__name__}.")
        if len(df) == 0:
            raise DataError(f"{w}the table has no rows.")
        missing = [c for c in self.columns if c not in df.columns]
        if missing:
            raise SchemaError(f"{w}missing column(s) {missing}; the table has {list(df.columns)}.")
        out = df.copy()
        if self.id is not None:
            dup = out[self.id].duplicated(keep=False).to_numpy()
            if dup.any():
                raise DataError(f"{w}id column {self.id!r} repeats: {_first_rows(out, dup)} share ids "
                                f"(e.g. {_plain(out[self.id][dup].iloc[0])!r}). Wide format needs one row per patient; "
                                "for long format use to_wide() first.")
        if self.arm is not None:
            self._check_arm(out, w)
        for c, kind in self.baseline.items():
            if kind == "numeric":
                out[c] = _numeric_or_raise(out, c, source, "numeric baseline")
        for c in self.visits:
            out[c] = _numeric_or_raise(out, c, source, "outcome")
            if out[c].isna().all():
                raise DataError(f"{w}outcome column {c!r} is entirely missing.")
        if self.time is not None:
            self._check_survival(out, source)
        return out

    def _check_arm(self, df: pd.DataFrame, w: str) -> None:
        arm = df[self.arm]
        if arm.isna().any():
            raise DataError(f"{w}arm column {self.arm!r} is missing for {_first_rows(df, arm.isna().to_numpy())}.")
        text = arm.map(_label_text)
        if self.arms is not None:
            allowed = {_label_text(a) for a in self.arms}
            bad = ~text.isin(allowed).to_numpy()
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                raise SchemaError(f"{w}unknown arm label {arm.iloc[first]!r} in column {self.arm!r} at "
                                  f"{_row_label(df, first)} ({int(bad.sum())} row(s): {_first_rows(df, bad)}); "
                                  f"allowed labels are {sorted(allowed)}.")
        if self.require_two_arms and text.nunique() < 2:
            raise DataError(f"{w}treatment column {self.arm!r} holds one arm only ({arm.iloc[0]!r}); a trial "
                            "analysis needs at least two arms. For historical controls alone, use arm=None.")

    def _check_survival(self, df: pd.DataFrame, source: str) -> None:
        w = _where(source)
        t = _numeric_or_raise(df, self.time, source, "event time")
        na = t.isna().to_numpy()
        if na.any():
            raise DataError(f"{w}event time {self.time!r} is missing at {_first_rows(df, na)}; every patient "
                            "needs a follow-up time (censored patients: the time last seen).")
        neg = (t < 0).to_numpy()
        if neg.any():
            first = int(np.flatnonzero(neg)[0])
            raise DataError(f"{w}event time {self.time!r} is negative ({t.iloc[first]}) at {_first_rows(df, neg)}; "
                            "times count from randomisation and must be >= 0.")
        e = _numeric_or_raise(df, self.event, source, "event indicator")
        bad = ~e.isin([0.0, 1.0]).to_numpy()
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise DataError(f"{w}event indicator {self.event!r} must be 0 (censored) or 1 (event); "
                            f"{_row_label(df, first)} holds {df[self.event].iloc[first]!r} "
                            f"({_first_rows(df, bad)}).")
        df[self.time], df[self.event] = t, e.astype(int)

    def to_dict(self) -> dict:
        return {"id": self.id, "arm": self.arm, "arms": self.arms, "baseline": self.baseline,
                "visits": self.visits, "visit_times": self.visit_times, "time": self.time, "event": self.event}


def _label_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------------------------------------
# long <-> wide
def to_wide(long_df: pd.DataFrame, id: str, visit: str, value: str, visits: list | None = None,
            source: str = "") -> pd.DataFrame:
    """Long outcomes (one row per patient x visit) -> one row per patient, one column per visit.

    `visits` fixes the visit order (and the allowed labels); by default the sorted labels. A
    patient x visit given twice is an error; a visit never recorded for a patient is missing (NaN).
    """
    w = _where(source)
    missing = [c for c in (id, visit, value) if c not in long_df.columns]
    if missing:
        raise SchemaError(f"{w}long table lacks column(s) {missing}; it has {list(long_df.columns)}.")
    df = long_df[[id, visit, value]].copy()
    df[value] = _numeric_or_raise(df, value, source, "outcome")
    labels = sorted(pd.unique(df[visit].dropna())) if visits is None else list(visits)
    unknown = ~df[visit].isin(labels).to_numpy()
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        raise SchemaError(f"{w}unknown visit label {df[visit].iloc[first]!r} at {_row_label(df, first)}; "
                          f"the visits are {labels}.")
    dup = df.duplicated([id, visit], keep=False).to_numpy()
    if dup.any():
        raise DataError(f"{w}patient x visit repeated at {_first_rows(df, dup)}; keep one value per visit.")
    wide = df.pivot(index=id, columns=visit, values=value).reindex(columns=labels)
    wide.columns = [str(c) for c in wide.columns]
    wide.columns.name = None
    return wide.reset_index()


def to_long(wide_df: pd.DataFrame, id: str, visits: list[str], visit_col: str = "visit",
            value_col: str = "value", dropna: bool = True) -> pd.DataFrame:
    """Wide outcomes -> one row per patient x visit, visits in the given order."""
    missing = [c for c in (id, *visits) if c not in wide_df.columns]
    if missing:
        raise SchemaError(f"wide table lacks column(s) {missing}; it has {list(wide_df.columns)}.")
    long = wide_df[[id, *visits]].melt(id_vars=id, value_vars=list(visits), var_name=visit_col, value_name=value_col)
    order = {v: i for i, v in enumerate(visits)}
    long = (long.assign(_order=long[visit_col].map(order)).sort_values([id, "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))
    if dropna:
        long = long[long[value_col].notna()].reset_index(drop=True)
    return long


# ---------------------------------------------------------------------------------------------
# shipped trials
ACTG175_BASELINE = {
    "age": "numeric", "wtkg": "numeric", "hemo": "categorical", "homo": "categorical", "drugs": "categorical",
    "karnof": "numeric", "oprior": "categorical", "z30": "categorical", "preanti": "numeric",
    "race": "categorical", "gender": "categorical", "str2": "categorical", "symptom": "categorical",
    "cd40": "numeric", "cd80": "numeric",
}
ACTG175_ARMS = {0: "ZDV", 1: "ZDV+ddI", 2: "ZDV+ddC", 3: "ddI"}


def actg175_schema(visits=("cd40", "cd420", "cd496"), arms=(0, 1, 2, 3)) -> TrialSchema:
    """The ACTG 175 table's schema (arm column "arms"; baseline of ACTG175_BASELINE)."""
    times = {"cd40": 0.0, "cd420": 20.0, "cd496": 96.0}
    return TrialSchema(id="pidnum", arm="arms", arms=list(arms), baseline=ACTG175_BASELINE, visits=list(visits),
                       visit_times=[times[v] for v in visits] if all(v in times for v in visits) else None,
                       time="days", event="cens")


GBSG2_BASELINE = {"age": "numeric", "menostat": "categorical", "tsize": "numeric", "tgrade": "categorical",
                  "pnodes": "numeric", "progrec": "numeric", "estrec": "numeric"}


def gbsg2_schema() -> TrialSchema:
    return TrialSchema(id="id", arm="horTh", arms=["no", "yes"], baseline=GBSG2_BASELINE, time="time", event="cens")
