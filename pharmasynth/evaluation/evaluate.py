"""`evaluate()`: one call, one report, four groups."""

from __future__ import annotations

import warnings

import pandas as pd

from .._util.deprecation import renamed_kwargs
from .._util.random import as_rng, spawn_seeds
from ..errors import SchemaError
from .fidelity import fidelity_metrics
from .metric import guarded
from .plots import report_figures
from .privacy import privacy_metrics
from .report import Report
from .rules import as_ruleset
from .tabular import align_tables
from .utility import utility_metrics


@renamed_kwargs(scheduler="client")
def evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, *, holdout: pd.DataFrame | None = None,
             target: str | None = None, sensitive=(), rules=None, kinds: dict[str, str] | None = None,
             task: str = "auto", random_state=0, client=None, title: str | None = None,
             privacy_max_rows: int | None = None, plots: bool = True) -> Report:
    """Score a synthetic table against the real one it imitates.

    real       the table the generator was trained on
    synthetic  the generated table (same columns)
    holdout    real records the generator never saw: needed for utility (train-synthetic /
               test-real) and for the privacy comparisons; without it those rows are "skipped"
    target     column to predict for the utility check
    sensitive  columns an attacker might try to infer (attribute-inference attack)
    rules      validity rules: a RuleSet, a .toml/.yaml path, a dict or a list of expressions
    kinds      override inferred column kinds, e.g. {"zip": "categorical"}
    client     Dask scheduler address, Client or cluster for the nearest-record search
    plots      draw the figures (from the metric rows) into the report

    Every part runs guarded: an exception shows up as a failed metric row (and a warning)
    instead of losing the report. Input problems (columns, types, rules) fail fast instead.
    """
    ruleset = as_ruleset(rules)
    if ruleset is not None:
        ruleset.check_columns(real.columns)
    real_a, syn_a, hold_a, schema = align_tables(real, synthetic, holdout, kinds=kinds)
    named = ([("target", target)] if target is not None else []) + [("sensitive", c) for c in sensitive]
    for role, col in named:
        if col not in schema.kinds:
            raise SchemaError(f"{role} column {col!r} is not in the real table (columns: {schema.columns}).")
    s_fid, s_util, s_priv = spawn_seeds(as_rng(random_state), 3)
    report = Report(title=title or "pharmasynth evaluation report")
    report.meta.update({
        "rows": {"real": len(real_a), "synthetic": len(syn_a), "holdout": None if hold_a is None else len(hold_a)},
        "columns": schema.to_dict(), "target": target, "sensitive": list(sensitive),
        "rules": None if ruleset is None else {r.name: f"{r.kind}: {r.expr}" for r in ruleset},
        "random_state": random_state,
    })
    report.add(*guarded("fidelity", "fidelity", lambda: fidelity_metrics(real_a, syn_a, schema, random_state=s_fid)))
    report.add(*guarded("utility", "utility", lambda: utility_metrics(real_a, syn_a, hold_a, schema, target, task=task,
                                                                      random_state=s_util)))
    report.add(*guarded("privacy", "privacy", lambda: privacy_metrics(
        real_a, syn_a, hold_a, schema, sensitive=sensitive, random_state=s_priv, client=client,
        max_rows=privacy_max_rows)))
    if ruleset is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report.add(*guarded("rules", "validity", lambda: ruleset.metrics(real_a, syn_a)))
        for w in caught:
            report.warnings.append(str(w.message))
            warnings.warn(w.message, w.category, stacklevel=3)  # the caller of evaluate()
    if plots:
        for title_, fig, caption, section in report_figures(report.metrics):
            report.add_figure(title_, fig, caption, section=section)
    return report
