"""`evaluate()`: one call, one report, four groups, the privacy gates and (optionally) calibration."""

from __future__ import annotations

import dataclasses
import hashlib
import warnings

import pandas as pd

from .._util.deprecation import renamed_kwargs
from .._util.random import as_rng, spawn_seeds
from ..errors import SchemaError
from .adherence import adherence_metrics
from .columns import ColumnOptions
from .fidelity import fidelity_metrics
from .gates import evaluate_gates
from .metric import MetricResult, comparator, guarded
from .plots import report_figures
from .privacy import privacy_metrics
from .report import DEFAULT_GROUP_WEIGHTS, Report
from .rules import as_ruleset
from .tabular import align_tables
from .temporal import temporal_order_metrics
from .utility import utility_metrics

MISSING_HINTS = {
    "utility": "give --holdout and --target",
    "privacy": "give --holdout for the attacks",
    "validity": "give --rules rules.toml",
    "fidelity": "",
}


def table_sha256(df: pd.DataFrame) -> str:
    """A content hash of a table (column names, then every value, row order included)."""
    h = hashlib.sha256("\x1f".join(map(str, df.columns)).encode("utf-8"))
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _real_reference_rows(rows: list[MetricResult]) -> list[MetricResult]:
    """The train-real / test-real figures that each tstr_* row carries, as comparator rows."""
    out = []
    for m in rows:
        if m.name.startswith("tstr_") and m.status == "ok" and "trtr" in m.details:
            out.append(comparator(dataclasses.replace(
                m, name="trtr_" + m.name[len("tstr_"):], value=float(m.details["trtr"]), ci=None, score=None,
                notes="the same model trained on the REAL training table, tested on the same holdout", details={}),
                "real reference"))
    return out


@renamed_kwargs(scheduler="client")
def evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, *, holdout: pd.DataFrame | None = None,
             target: str | None = None, sensitive=(), quasi_identifiers=(), rules=None,
             kinds: dict[str, str] | None = None, columns: ColumnOptions | None = None, task: str = "auto",
             random_state=0, client=None, title: str | None = None, privacy_max_rows: int | None = None,
             plots: bool = True, group_weights: dict[str, float] | None = None, calibrate: bool = False,
             calibrate_max_rows: int = 2_000) -> Report:
    """Score a synthetic table against the real one it imitates.

    real       the table the generator was trained on
    synthetic  the generated table (same columns)
    holdout    real records the generator never saw: needed for utility (train-synthetic /
               test-real) and for the privacy comparisons; without it those rows are "skipped"
               and there is no overall score (only a partial one)
    target     column to predict for the utility check
    sensitive  columns an attacker might try to infer (attribute inference, anonymeter inference risk)
    quasi_identifiers  columns an attacker may know (k-anonymity, l-diversity, identifiability)
    rules      validity rules: a RuleSet, a .toml/.yaml path, a dict or a list of expressions
    kinds      override inferred column kinds, e.g. {"zip": "categorical"}
    columns    `ColumnOptions`: identifiers, date formats, code prefixes, columns to keep or ignore
    group_weights  weight of each group in the overall score (default 0.25 each); a group with
               weight 0 is not required for the overall score
    calibrate  also score four controls made from the same real data (`calibrate.py`) and place
               the synthetic table between floor and ceiling (table + figure); about 4 more runs
    client     Dask scheduler address, Client or cluster for the nearest-record search
    plots      draw the figures (from the metric rows) into the report

    Every part runs guarded: an exception shows up as a failed metric row (and a warning)
    instead of losing the report. Input problems (columns, types, rules) fail fast instead.
    """
    from .. import __version__

    ruleset = as_ruleset(rules)
    if ruleset is not None:
        ruleset.check_columns(real.columns)
    unknown = sorted(k for k, w in (group_weights or {}).items() if k not in DEFAULT_GROUP_WEIGHTS or w < 0)
    if unknown:
        raise ValueError(f"group_weights names unknown group(s) or negative weights {unknown}; the groups are {list(DEFAULT_GROUP_WEIGHTS)}.")
    real_a, syn_a, hold_a, schema = align_tables(real, synthetic, holdout, kinds=kinds, options=columns)
    named = ([("target", target)] if target is not None else []) + [("sensitive", c) for c in sensitive] \
        + [("quasi-identifier", c) for c in quasi_identifiers]
    for role, col in named:
        if col not in schema.kinds:
            why = schema.excluded.get(col)
            raise SchemaError(f"{role} column {col!r} is not a modelled column of the real table"
                              + (f" (excluded: {why})" if why else "") + f" (modelled columns: {schema.columns}).")
    s_fid, s_util, s_priv, s_cal = spawn_seeds(as_rng(random_state), 4)
    weights = dict(DEFAULT_GROUP_WEIGHTS, **(group_weights or {}))
    report = Report(title=title or "pharmasynth evaluation report", group_weights=weights,
                    missing_hints=dict(MISSING_HINTS))
    report.add_table("Column types", schema.describe())
    report.meta.update({
        "pharmasynth_version": __version__,
        "input_sha256": {role: table_sha256(df) for role, df in
                         (("real", real), ("synthetic", synthetic), ("holdout", holdout)) if df is not None},
        "rows": {"real": len(real_a), "synthetic": len(syn_a), "holdout": None if hold_a is None else len(hold_a)},
        "columns": schema.to_dict(), "excluded_columns": dict(schema.excluded),
        "target": target, "sensitive": list(sensitive), "quasi_identifiers": list(quasi_identifiers),
        "rules": None if ruleset is None else {r.name: f"{r.kind}: {r.expr}" for r in ruleset},
        "random_state": random_state,
    })
    report.add(*guarded("fidelity", "fidelity", lambda: fidelity_metrics(real_a, syn_a, schema, random_state=s_fid)))
    util_rows = guarded("utility", "utility", lambda: utility_metrics(real_a, syn_a, hold_a, schema, target, task=task,
                                                                      random_state=s_util))
    report.add(*util_rows, *_real_reference_rows(util_rows))
    report.add(*guarded("privacy", "privacy", lambda: privacy_metrics(
        real_a, syn_a, hold_a, schema, sensitive=sensitive, quasi_identifiers=quasi_identifiers,
        random_state=s_priv, client=client, max_rows=privacy_max_rows)))
    report.add(*guarded("adherence", "validity", lambda: adherence_metrics(real_a, syn_a, schema)))
    report.add(*guarded("temporal_order", "validity", lambda: temporal_order_metrics(real_a, syn_a, schema)))
    if ruleset is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report.add(*guarded("rules", "validity", lambda: ruleset.metrics(real_a, syn_a)))
        for w in caught:
            report.warnings.append(str(w.message))
            warnings.warn(w.message, w.category, stacklevel=3)  # the caller of evaluate()
    report.gates = evaluate_gates(report.metrics)
    if plots:
        for title_, fig, caption, section in report_figures(report.metrics):
            report.add_figure(title_, fig, caption, section=section)
    if calibrate:
        _calibrate(report, real, holdout, s_cal, calibrate_max_rows, plots, dict(
            target=target, sensitive=sensitive, quasi_identifiers=quasi_identifiers, rules=ruleset, kinds=kinds,
            columns=columns, task=task, client=client, privacy_max_rows=privacy_max_rows, group_weights=group_weights))
    return report


def _calibrate(report: Report, real, holdout, seed, max_rows, plots, kw) -> None:
    from .calibrate import calibration_figure, run_calibration

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the controls' warnings repeat the main run's
        table, reports = run_calibration(evaluate, real, report, holdout=holdout, max_rows=max_rows,
                                         random_state=seed, **kw)
    report.calibration = table
    report.meta["calibration"] = {
        "protocol": ("holdout split in halves: one the independent real sample, the other the controls' holdout"
                     if holdout is not None else "a random third of the real table is the independent real sample; "
                     "the controls are scored against the other two thirds, without a holdout"),
        "controls": {k: {"score": r.score(), "partial_score": r.partial_score(), "passed": r.passed,
                         "failed_gates": [g.name for g in r.gates if g.passed is False],
                         "rows": r.meta["rows"]["synthetic"]} for k, r in reports.items()},
    }
    if plots:
        report.add_figure("Calibration: the synthetic table between floor and ceiling", calibration_figure(table),
                          "Grey band: lowest control (floor) to an independent real sample (ceiling), per group, "
                          "all scored on the same real data.", section="calibration")
