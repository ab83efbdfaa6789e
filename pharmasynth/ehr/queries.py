"""Cohort queries on timelines: a small, safe query language (parsed by hand, never `eval`).

    count [by COLS] [where COND]                     patients (and their share of all patients)
    incidence EVENT [by COLS] [where COND]           first EVENT in follow-up per 1,000 person-years
    mean TEST [by COLS] [during A..B] [where COND]   mean measured value (days A to B from index)

COLS is a comma-separated list of patient columns; COND is `NAME OP VALUE` joined by `and`
(OP: == != < <= > >=). Names: any static column, `age_band` (10-year bands), `bmi_band`
(<25, 25-30, >=30), `history:EVENT` (1 if had EVENT before the index date), `ever:EVENT`;
`mean` also accepts `year` (years since index of the measurement) in `by`. Patients with EVENT
in their history are not at risk of it and are left out of its incidence. If the events carry
an amplification factor (rare-event amplification), the rate is divided by it and the answer
says so.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from ..errors import DataWarning, UsageError
from .design import DAYS_PER_YEAR
from .timelines import Timelines

OPS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_QUERY = re.compile(r"^\s*(?P<kind>count|incidence|mean)(?:\s+(?P<target>(?!by\b|where\b|during\b)\S+))?"
                    r"(?:\s+by\s+(?P<by>[^\s,]+(?:\s*,\s*[^\s,]+)*))?"
                    r"(?:\s+during\s+(?P<a>-?\d+(?:\.\d+)?)\.\.(?P<b>-?\d+(?:\.\d+)?))?"
                    r"(?:\s+where\s+(?P<where>.+))?\s*$", re.IGNORECASE)
_CLAUSE = re.compile(r"^\s*(?P<name>[A-Za-z_][\w:/.\- ]*?)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>\S+)\s*$")


def _patient_columns(tl: Timelines, names: set[str]) -> pd.DataFrame:
    """The static table plus whichever derived columns the query names."""
    s = tl.schema
    out = tl.static.copy()
    if "age_band" in names and "age" in out:
        lo = (np.floor(out["age"].astype(float) / 10) * 10)
        out["age_band"] = [f"{int(x)}-{int(x) + 9}" if np.isfinite(x) else "missing" for x in lo]
    if "bmi_band" in names and "bmi" in out:
        out["bmi_band"] = pd.cut(out["bmi"].astype(float), [-np.inf, 25, 30, np.inf], right=False,
                                 labels=["<25", "25-30", ">=30"]).astype(str).replace("nan", "missing")
    for name in names:
        kind, _, event = name.partition(":")
        if kind in ("history", "ever") and event:
            ev = tl.events[tl.events[s.event] == event]
            if kind == "history":
                ev = ev[ev[s.time] <= 0]
            out[name] = out[s.id].isin(ev[s.id]).astype(int)
    return out


def _parse_value(text: str):
    try:
        return float(text)
    except ValueError:
        return text.strip("'\"")


def _condition(df: pd.DataFrame, where: str | None, query: str) -> np.ndarray:
    if not where:
        return np.ones(len(df), bool)
    mask = np.ones(len(df), bool)
    for clause in re.split(r"\s+and\s+", where.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(clause)
        if not m:
            raise UsageError(f"query {query!r}: cannot read the condition {clause!r}; write NAME OP VALUE "
                             f"with OP one of {' '.join(OPS)}, joined by 'and'.")
        name, op, value = m["name"], m["op"], _parse_value(m["value"])
        if name not in df:
            raise UsageError(f"query {query!r}: unknown name {name!r}; known: {sorted(map(str, df.columns))}.")
        col = df[name]
        if isinstance(value, float):
            col = pd.to_numeric(col, errors="coerce")
            mask &= OPS[op](col.to_numpy(float), value) & col.notna().to_numpy()
        else:
            if op not in ("==", "!="):
                raise UsageError(f"query {query!r}: {op} needs a number, not {value!r}.")
            mask &= OPS[op](col.astype(str).to_numpy(), value)
    return mask


def parse(query: str) -> dict:
    m = _QUERY.match(query)
    if not m:
        raise UsageError(f"query {query!r}: not understood. Forms: 'count [by COLS] [where COND]', 'incidence EVENT "
                         "[by COLS] [where COND]', 'mean TEST [by COLS] [during A..B] [where COND]'.")
    kind = m["kind"].lower()
    if kind in ("incidence", "mean") and not m["target"]:
        raise UsageError(f"query {query!r}: '{kind}' needs {'an EVENT' if kind == 'incidence' else 'a TEST'}.")
    if kind == "count" and m["target"]:
        raise UsageError(f"query {query!r}: 'count' takes no target; did you mean 'count where ...'?")
    if m["a"] is not None and kind != "mean":
        raise UsageError(f"query {query!r}: 'during' applies to 'mean' queries only.")
    by = [c.strip() for c in m["by"].split(",")] if m["by"] else []
    return {"kind": kind, "target": m["target"], "by": by, "where": m["where"],
            "during": (float(m["a"]), float(m["b"])) if m["a"] is not None else None}


def query(tl: Timelines, text: str) -> pd.DataFrame:
    """Answer one query; a DataFrame with the `by` columns, `value` and its support (see module docstring)."""
    q = parse(text)
    names = set(q["by"]) | {c["name"] for c in (_CLAUSE.match(x) for x in
                                                 re.split(r"\s+and\s+", q["where"] or "", flags=re.IGNORECASE)) if c}
    pat = _patient_columns(tl, names)
    keep = _condition(pat, q["where"], text)
    by = [b for b in q["by"] if not (q["kind"] == "mean" and b == "year")]
    for b in by:
        if b not in pat:
            raise UsageError(f"query {text!r}: unknown 'by' name {b!r}; known: {sorted(map(str, pat.columns))}.")
    sub = pat[keep]
    if q["kind"] == "count":
        g = sub.groupby(by, dropna=False).size().rename("value").reset_index() if by else pd.DataFrame({"value": [len(sub)]})
        g["share"] = g["value"] / max(len(pat), 1)
        g["n"] = g["value"]
        return g
    if q["kind"] == "incidence":
        return _incidence(tl, sub, q, by, text)
    return _mean(tl, sub, q, by, text)


def _incidence(tl, sub, q, by, text) -> pd.DataFrame:
    from scipy.stats import chi2

    s = tl.schema
    event = q["target"]
    if event == "death":
        times = sub[s.followup].where(sub[s.death] == 1)
        factor = 1.0
    else:
        ev = tl.events[tl.events[s.event] == event]
        if event not in set(tl.events[s.event]):
            raise UsageError(f"query {text!r}: no event {event!r}; events: {sorted(set(tl.events[s.event]))}.")
        first = ev.groupby(s.id)[s.time].min()
        times = sub[s.id].map(first)
        factor = float(ev["amplification"].max()) if "amplification" in ev and len(ev) else 1.0
    at_risk = ~(times <= 0)
    d = sub[at_risk].copy()
    t = times[at_risk]
    d["_events"] = ((t > 0) & (t <= d[s.followup])).astype(int)
    d["_py"] = np.minimum(t.fillna(np.inf), d[s.followup]).clip(lower=0) / DAYS_PER_YEAR
    g = d.groupby(by, dropna=False)[["_events", "_py"]].sum().reset_index() if by else \
        pd.DataFrame({"_events": [d["_events"].sum()], "_py": [d["_py"].sum()]})
    k, py = g["_events"].to_numpy(float), g["_py"].to_numpy(float)
    lo = np.where(k > 0, chi2.ppf(0.025, 2 * k) / 2, 0.0)
    hi = chi2.ppf(0.975, 2 * k + 2) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 1000.0 / py / factor
    out = g.drop(columns=["_events", "_py"])
    out["value"], out["ci_low"], out["ci_high"] = k * scale, lo * scale, hi * scale
    out["events"], out["person_years"], out["n"] = k.astype(int), py, k.astype(int)
    if factor != 1.0:
        warnings.warn(f"{event} events were amplified x{factor:g} when sampled; the rate is divided by {factor:g}.",
                      DataWarning, stacklevel=3)
        out["amplification_divided_out"] = factor
    return out


def _mean(tl, sub, q, by, text) -> pd.DataFrame:
    s = tl.schema
    test = q["target"]
    me = tl.measurements
    me = me[(me[s.test].astype(str) == test) & me[s.id].isin(sub[s.id])]
    if not len(me) and test not in set(tl.measurements[s.test].astype(str)):
        raise UsageError(f"query {text!r}: no test {test!r}; tests: {sorted(set(tl.measurements[s.test].astype(str)))}.")
    if q["during"]:
        me = me[(me[s.time] >= q["during"][0]) & (me[s.time] <= q["during"][1])]
    d = me[[s.id, s.time, s.value]].merge(sub[[s.id, *by]], on=s.id)
    keys = list(by)
    if "year" in q["by"]:
        d["year"] = np.floor(d[s.time] / DAYS_PER_YEAR).astype(int)
        keys.append("year")
    agg = d.groupby(keys, dropna=False)[s.value] if keys else d.assign(_all=0).groupby("_all")[s.value]
    out = agg.agg(value="mean", sd="std", n="size").reset_index()
    out = out.drop(columns=["_all"], errors="ignore")
    out["ci_low"] = out["value"] - 1.96 * out["sd"] / np.sqrt(out["n"])
    out["ci_high"] = out["value"] + 1.96 * out["sd"] / np.sqrt(out["n"])
    return out
