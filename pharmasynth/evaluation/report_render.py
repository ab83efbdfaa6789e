"""A `Report` rendered: the readable text summary and the self-contained HTML page.

Both lead with the headline (`Report.headline()`: pass, fail or incomplete, and why), then the
gates, the groups, every result row, and the comparators in a section of their own.
"""

from __future__ import annotations

import html
import math

from .._util.atomic import dumps_json


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return str(x)
    ax = abs(x)
    return f"{x:.3g}" if (ax >= 1000 or (ax < 0.001 and ax > 0)) else f"{x:.3f}"


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
    if report.lead is not None:
        lines += [report.lead.to_text(), ""]
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


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}
th{background:#f4f4f4} .failed{background:#fde2e2} .skipped{color:#888} .score{font-size:2.2em;font-weight:bold}
.groups td{text-align:center} figure{display:inline-block;margin:.5em;vertical-align:top;max-width:100%}
figure img{max-width:100%} figcaption{font-size:.85em;color:#555;max-width:520px} .note{color:#555;font-size:.9em}
.fail{background:#fde2e2;padding:.5em} .incomplete{background:#fff4d6;padding:.5em} .pass{background:#e4f6e4;padding:.5em}
"""


def _rows_table(rows, e) -> list[str]:
    parts = ["<table><tr><th>group</th><th>metric</th><th>value</th><th>95% CI</th>"
             "<th>direction</th><th>bounds</th><th>score</th><th>status / notes</th></tr>"]
    for m in rows:
        cls = m.status if m.status != "ok" else ""
        ci = f"[{_fmt(m.ci[0])}, {_fmt(m.ci[1])}]" if m.ci else ""
        direction = m.direction if m.direction != "target" else f"target {m.target:g}"
        note = m.error if m.status == "failed" else m.notes
        score = _fmt(m.score) if m.role == "result" else "not scored"
        parts.append(f"<tr class='{cls}'><td>{m.group}</td><td>{e(m.name)}</td><td>{_fmt(m.value)}</td>"
                     f"<td>{ci}</td><td>{direction}</td><td>[{_fmt(m.bounds[0])}, {_fmt(m.bounds[1])}]</td>"
                     f"<td>{score}</td><td>{e(m.status)} {e(note or '')}</td></tr>")
    parts.append("</table>")
    return parts


def render_html(report) -> str:
    e = html.escape
    groups = report.group_scores()
    head = report.headline()
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(report.title)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{e(report.title)}</h1>"]
    if report.lead is not None:  # the answer first (rendering refined in issue 17's report work)
        parts.append(f"<p class='lead'><b>{e(report.lead.sentence)}</b></p><ul class='lead'>" + "".join(
            f"<li class='{n.status or ''}'>{e(n.label)}: {e(n.formatted())}{' — ' + e(n.note) if n.note else ''}</li>"
            for n in report.lead.numbers) + "</ul>")
    if report.score() is not None:
        parts.append(f"<div class='score'>score {_fmt(report.score())}</div>")
    else:
        partial = report.partial_score()
        parts.append("<div class='score'>no overall score</div>"
                     + (f"<p class='note'>partial score {_fmt(partial)} over the scored groups only - not a "
                        "headline, not comparable with a full score</p>" if partial is not None else ""))
    parts.append(f"<p class='{head['status']}'><b>{e(head['status'].upper())}</b>: {e(head['text'])}</p>")
    parts.append("<p class='note'>Overall score = weighted mean of the group scores, given only when every weighted "
                 "group was scored; a group score is the weighted mean of its scored metrics (each mapped to [0, 1], "
                 "1 best). Failed metrics are listed, never averaged; comparators are references, never averaged; "
                 "a failed gate means no pass, whatever the averages.</p>")
    for title, frame in report.tables[:1] if report.tables and report.tables[0][0] == "Column types" else []:
        parts.append(f"<h2>{e(title)}</h2>")
        parts.append(frame.to_html(index=False, border=0, max_rows=200))
    if report.gates:
        parts.append("<h2>Gates</h2><table><tr><th>gate</th><th>passed</th><th>reason</th></tr>")
        for g in report.gates:
            cls = "failed" if g.passed is False else ""
            parts.append(f"<tr class='{cls}'><td>{e(g.name)}</td><td>{g.passed}</td><td>{e(g.reason)}</td></tr>")
        parts.append("</table>")
    parts.append("<table class='groups'><tr><th>group</th><th>score</th><th>weight</th><th>scored / all</th>"
                 "<th>failed</th><th>skipped</th></tr>")
    for g, v in groups.items():
        if v["n_metrics"] == 0:
            continue
        parts.append(f"<tr><td>{g}</td><td>{_fmt(v['score'])}</td><td>{v['weight']:g}</td>"
                     f"<td>{v['n_scored']} / {v['n_metrics']}</td><td>{e(', '.join(v['failed']))}</td>"
                     f"<td>{e(', '.join(v['skipped']))}</td></tr>")
    parts.append("</table>")
    for w in report.warnings:
        parts.append(f"<p class='failed'>warning: {e(w)}</p>")
    parts.append("<h2>Metrics</h2>")
    parts += _rows_table([m for m in report.metrics if m.role == "result"], e)
    comps = [m for m in report.metrics if m.role == "comparator"]
    if comps:
        parts.append("<h2>Comparators</h2><p class='note'>References the results are compared with (baselines, "
                     "real-only models, real data); never averaged into a group.</p>")
        parts += _rows_table(comps, e)
    if report.calibration is not None:
        parts.append("<h2>Calibration on your data</h2>")
        parts.append(report.calibration.to_html(index=False, float_format=lambda v: _fmt(float(v)), border=0))
    sections: dict[str, list] = {}
    for f in report.figures:
        sections.setdefault(f.section, []).append(f)
    for sec, figs in sections.items():
        parts.append(f"<h2>{e(sec.capitalize())}</h2>")
        for f in figs:
            parts.append(f"<figure><img alt='{e(f.title)}' src='data:image/png;base64,{f.png_base64}'>"
                         f"<figcaption><b>{e(f.title)}</b> {e(f.caption)}</figcaption></figure>")
    shown_first = 1 if report.tables and report.tables[0][0] == "Column types" else 0
    for title, frame in report.tables[shown_first:]:
        parts.append(f"<h2>{e(title)}</h2>")
        parts.append(frame.to_html(index=False, float_format=lambda v: _fmt(float(v)), border=0, max_rows=200))
    if report.meta:
        parts.append("<h2>About this report</h2><table>")
        for k, v in report.meta.items():
            parts.append(f"<tr><th>{e(str(k))}</th><td>{e(dumps_json(v) if not isinstance(v, str) else v)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
