"""`evaluate()`: one call, one report, four groups."""

from __future__ import annotations

import warnings

import pandas as pd

from .fidelity import fidelity_report
from .metric import guarded
from .privacy import privacy_report
from .report import Report
from .rules import as_ruleset
from .tabular import align_tables
from .utility import utility_report


def evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, *, holdout: pd.DataFrame | None = None,
             target: str | None = None, sensitive=(), rules=None, kinds: dict[str, str] | None = None,
             task: str = "auto", random_state=0, scheduler=None, title: str | None = None,
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

    Every part runs guarded: an exception shows up as a failed metric row (and a warning)
    instead of losing the report. Input problems (columns, types, rules) fail fast instead.
    """
    from .._util.random import as_rng, spawn_seeds

    ruleset = as_ruleset(rules)
    if ruleset is not None:
        ruleset.check_columns(real.columns)
    real_a, syn_a, hold_a, schema = align_tables(real, synthetic, holdout, kinds=kinds)
    if target is not None and target not in schema.kinds:
        from ..errors import SchemaError

        raise SchemaError(f"target column {target!r} is not in the real table (columns: {schema.columns}).")
    for col in sensitive:
        if col not in schema.kinds:
            from ..errors import SchemaError

            raise SchemaError(f"sensitive column {col!r} is not in the real table (columns: {schema.columns}).")
    s_fid, s_util, s_priv = spawn_seeds(as_rng(random_state), 3)
    report = Report(title=title or "pharmasynth evaluation report")
    report.meta.update({
        "rows": {"real": len(real_a), "synthetic": len(syn_a), "holdout": None if hold_a is None else len(hold_a)},
        "columns": schema.to_dict(), "target": target, "sensitive": list(sensitive),
        "rules": None if ruleset is None else {r.name: f"{r.kind}: {r.expr}" for r in ruleset},
        "random_state": random_state,
    })
    parts = {}
    for name, group, fn in (
        ("fidelity", "fidelity", lambda: fidelity_report(real_a, syn_a, schema, random_state=s_fid)),
        ("utility", "utility", lambda: utility_report(real_a, syn_a, hold_a, schema, target, task=task, random_state=s_util)),
        ("privacy", "privacy", lambda: privacy_report(real_a, syn_a, hold_a, schema, sensitive=sensitive,
                                                       random_state=s_priv, scheduler=scheduler,
                                                       max_rows=privacy_max_rows, plots=plots)),
    ):
        out = []

        def run(fn=fn, out=out):
            sub = fn()
            out.append(sub)
            return sub.metrics
        rows = guarded(name, group, run)
        if out:
            parts[name] = out[0]
            report.merge(out[0])
        else:
            report.add(*rows)
    if ruleset is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report.add(*guarded("rules", "validity", lambda: ruleset.metrics(real_a, syn_a)))
        for w in caught:
            report.warnings.append(str(w.message))
            warnings.warn(w.message, w.category, stacklevel=2)
    if plots and "fidelity" in parts:
        from .plots import correlation_difference_figure, marginals_figure

        fr = parts["fidelity"].frames
        report.add_figure("Marginals: real vs synthetic (worst columns first)",
                          marginals_figure(real_a, syn_a, schema, fr.get("column_shapes")), section="fidelity")
        if len(fr.get("pair_trends", [])):
            report.add_figure("Pair trends: 1 - similarity per column pair",
                              correlation_difference_figure(fr["pair_trends"], schema),
                              "Dark cells are relations between columns that the synthetic data do not reproduce.",
                              section="fidelity")
    # privacy figures are made inside privacy_report and merged above; keep figure order by section
    report.figures.sort(key=lambda f: ["fidelity", "utility", "privacy", "validity"].index(f.section)
                        if f.section in ("fidelity", "utility", "privacy", "validity") else 9)
    return report
