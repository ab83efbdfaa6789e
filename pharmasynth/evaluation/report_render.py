"""A `Report` rendered: the readable text summary here, the self-contained HTML page in `report_html`.

Both lead with the answer (`Report.answer()`: the lead sentence and key numbers), then the headline
(`Report.headline()`: pass, fail or incomplete, and why), the gates, the groups, every result row,
and the comparators in a section of their own.
"""

from __future__ import annotations

import math

from .lead import format_number
from .report_html import render_html  # noqa: F401  (the HTML page; imported here for older callers)


def _fmt(x) -> str:
    """Three decimals for scores and rates; large and tiny numbers as `format_number` writes them
    (1,825, never 1.82e+03)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return format_number(x)
    ax = abs(x)
    return format_number(x) if (ax >= 1000 or (ax < 0.001 and ax > 0)) else f"{x:.3f}"


def _arrow(m) -> str:
    return {"higher": "higher is better", "lower": "lower is better",
            "target": f"best at {m.target:g}" if m.target is not None else ""}[m.direction]


def _metric_line(m) -> str:
    if m.status == "failed":
        return f"  {m.name:<40} FAILED  {m.error}"
    if m.status == "skipped":
        return f"  {m.name:<40} skipped  {m.notes}"
    ci = f" [{_fmt(m.ci[0])}, {_fmt(m.ci[1])}]" if m.ci else ""
    sc = f"score {_fmt(m.score)}" if (m.score is not None and m.role == "result") else "not scored"
    return f"  {m.name:<40} {_fmt(m.value):>10}{ci}  ({_arrow(m)}; {sc})"


def render_text(report) -> str:
    lines = [report.title, "=" * len(report.title)]
    lines += [report.answer().to_text(), ""]
    head = report.headline()
    lines.append(f"{head['status'].upper()}: {head['text']}")
    lines.append(f"overall score: {_fmt(report.score())}  (weights: "
                 + ", ".join(f"{g} {w:g}" for g, w in report.group_weights.items()) + ")")
    if report.score() is None and report.partial_score() is not None:
        lines.append(f"partial score (scored groups only, not a headline): {_fmt(report.partial_score())}")
    if report.tables and report.tables[0][0] == "Column types":
        frame = report.tables[0][1]
        lines.append(f"\ncolumn types ({len(frame)} columns; decided on the real table):")
        lines.append(frame.head(60).to_string(index=False))
        if len(frame) > 60:
            lines.append(f"... {len(frame) - 60} more in report.html")
        lines.append("")
    for g in report.gates:
        state = {True: "passed", False: "FAILED", None: "not checked"}[g.passed]
        lines.append(f"gate {g.name:<18} {state:<12} {g.reason}")
    for g, v in report.group_scores().items():
        if v["n_metrics"] == 0:
            continue
        extra = []
        if v["failed"]:
            extra.append(f"FAILED, not averaged: {', '.join(v['failed'])}")
        if v["skipped"]:
            extra.append(f"skipped: {', '.join(v['skipped'])}")
        lines.append(f"\n[{g}] score {_fmt(v['score'])} from {v['n_scored']} of {v['n_metrics']} metrics"
                     + (f" ({'; '.join(extra)})" if extra else ""))
        lines += [_metric_line(m) for m in report.metrics if m.group == g and m.role == "result"]
    comps = [m for m in report.metrics if m.role == "comparator"]
    if comps:
        lines.append("\n[comparators] references, never averaged into a group")
        lines += [_metric_line(m) + f"  <{m.group}>" for m in comps]
    if report.calibration is not None:
        lines.append("\n[calibration] group scores of the controls on the same real data")
        lines.append(report.calibration.to_string(index=False, float_format=_fmt))
    for w in report.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)
