"""A `Report` as one self-contained HTML page that leads with its answer.

Order: the lead (one sentence and the key numbers, coloured good/borderline/bad), the headline
(pass / fail / incomplete and why) with the group scores, gates, warnings, then every metric row
coloured from its declared direction and bounds, comparators, calibration, figures by section,
tables (long ones folded with a CSV download) and "About this report" as a table.
"""

from __future__ import annotations

import html

from .lead import format_number, grade, metric_status
from .report_style import NAV_MARKER, badge, heading, page_head
from .report_tables import cell_text, frame_html, mapping_html, table_body

e = html.escape


def lead_html(lead) -> str:
    """The lead block: the sentence, then one card per key number (value, unit, CI, note)."""
    status = lead.status or ""
    cards = []
    for n in lead.numbers:
        value = format_number(n.value, n.digits) + (("" if n.unit == "%" else " ") + n.unit
                                                    if n.unit and n.value is not None else "")
        ci = (f"<div class='ci'>{e(n.ci_label())} {e(format_number(n.ci[0], n.digits))} to {e(format_number(n.ci[1], n.digits))}"
              "</div>") if n.ci is not None else ""
        note = f"<div class='note'>{e(n.note)}</div>" if n.note else ""
        cards.append(f"<div class='key {n.status or ''}'><div class='label'>{e(n.label)} {badge(n.status)}</div>"
                     f"<div class='value'>{e(value)}</div>{ci}{note}</div>")
    keys = f"<div class='keys'>{''.join(cards)}</div>" if cards else ""
    return f"<section class='lead {status}'><p class='answer'>{e(lead.sentence)}</p>{keys}</section>"


def _direction(m) -> str:
    if m.direction == "target":
        return f"closest to {format_number(m.target)}"
    return {"higher": "higher is better", "lower": "lower is better"}[m.direction]


def metric_rows_html(rows) -> str:
    """The metric table; each row coloured by `metric_status` (its direction, bounds, CI and score)."""
    head = ("<tr><th>status</th><th>group</th><th>metric and notes</th><th>value</th><th>95% CI</th><th>better</th>"
            "<th>bounds</th><th>score</th></tr>")
    out = ["<div class='scroll'><table class='metrics'>", head]
    for m in rows:
        status = metric_status(m)
        cls = status or ("skipped" if m.status == "skipped" else "")
        ci = f"{format_number(m.ci[0])} to {format_number(m.ci[1])}" if m.ci else "—"
        note = m.error if m.status == "failed" else m.notes
        state = {"failed": "FAILED", "skipped": "skipped"}.get(m.status, "")
        score = format_number(m.score) if m.role == "result" else "not scored"
        # the notes sit under the metric's name: one wide column that wraps, so the row fits 1024 px
        note_html = f"<div class='note'>{e(note)}</div>" if note else ""
        out.append(f"<tr class='{cls}'><td>{badge(status)} {state}</td><td>{e(m.group)}</td>"
                   f"<td class='name'><b>{e(m.name)}</b>{note_html}</td>"
                   f"<td class='num'>{e(format_number(m.value))}</td><td class='num'>{e(ci)}</td>"
                   f"<td>{e(_direction(m))}</td><td class='num'>{e(format_number(m.bounds[0]))} to "
                   f"{e(format_number(m.bounds[1]))}</td><td class='num'>{e(score)}</td></tr>")
    out.append("</table></div>")
    return "".join(out)


def _score_block(report) -> list[str]:
    head = report.headline()
    cls = head["status"]
    if cls == "pass":  # a pass (every group scored, no gate failed) with a low score is not painted green
        cls = {"good": "pass", "borderline": "incomplete", "bad": "fail"}[grade(report.score(), good=0.8, bad=0.6)]
    parts = [f"<p class='headline {cls}'><b>{e(head['status'].upper())}</b>: {e(head['text'])}</p>"]
    groups = {g: v for g, v in report.group_scores().items() if v["n_metrics"]}
    if groups:
        rows = "".join(
            f"<tr><td>{g}</td><td class='num'>{format_number(v['score'])}</td><td class='num'>{format_number(v['weight'])}</td>"
            f"<td class='num'>{v['n_scored']} / {v['n_metrics']}</td><td>{e(cell_text(v['failed']))}</td>"
            f"<td>{e(cell_text(v['skipped']))}</td></tr>" for g, v in groups.items())
        parts.append("<div class='scroll'><table class='groups'><tr><th>group</th><th>score</th><th>weight</th>"
                     f"<th>scored / all</th><th>failed</th><th>skipped</th></tr>{rows}</table></div>")
    if head["status"] == "info":  # nothing is graded: the scoring note would only confuse
        return parts
    parts.append("<p class='note'>Overall score = weighted mean of the group scores, given only when every weighted "
                 "group was scored; a group score is the weighted mean of its scored metrics (each mapped to [0, 1], "
                 "1 best). Failed metrics are listed, never averaged; comparators are references, never averaged; "
                 "a failed gate means no pass, whatever the averages. Row colours: the metric's score from its "
                 "declared direction and bounds (green ≥ 0.8, red < 0.5), or for a target (coverage, type I error) "
                 "whether its CI holds the target.</p>")
    return parts


def render_html(report) -> str:
    """The whole page (see the module docstring)."""
    parts = [page_head(report.title), NAV_MARKER, f"<h1>{e(report.title)}</h1>", lead_html(report.answer())]
    parts += _score_block(report)
    tables = list(report.tables)
    if tables and tables[0][0] == "Column types":  # what the evaluation decided about each column comes early
        title, frame = tables.pop(0)
        parts.append(frame_html(title, frame))
    if report.gates:
        rows = "".join(f"<tr class='{'bad' if g.passed is False else ('good' if g.passed else 'borderline')}'>"
                       f"<td>{e(g.name)}</td><td>{ {True: 'passed', False: 'FAILED', None: 'not checked'}[g.passed]}</td>"
                       f"<td>{e(g.reason)}</td></tr>" for g in report.gates)
        parts.append(f"<h2>Gates</h2><div class='scroll'><table class='gates'><tr><th>gate</th><th>result</th><th>reason</th></tr>"
                     f"{rows}</table></div>")
    if report.warnings:
        parts.append("<h2>Notes and warnings</h2><ul class='warnings'>"
                     + "".join(f"<li>{e(w)}</li>" for w in dict.fromkeys(report.warnings)) + "</ul>")
    results = [m for m in report.metrics if m.role == "result"]
    if results:
        parts.append("<h2>Metrics</h2>" + metric_rows_html(results))
    comps = [m for m in report.metrics if m.role == "comparator"]
    if comps:
        parts.append("<h2>Comparators</h2><p class='note'>References the results are compared with (baselines, "
                     "real-only models, real data); never averaged into a group.</p>" + metric_rows_html(comps))
    if report.calibration is not None:
        parts.append("<h2>Calibration on your data</h2><div class='scroll'>"
                     f"{table_body(report.calibration)}</div>")
    sections: dict[str, list] = {}
    for f in report.figures:
        sections.setdefault(f.section, []).append(f)
    for sec, figs in sections.items():
        parts.append(f"<h2>{e(heading(sec))}</h2>")
        for f in figs:
            parts.append(f"<figure><img alt='{e(f.title)}' src='data:image/png;base64,{f.png_base64}'>"
                         f"<figcaption><b>{e(f.title)}</b> {e(f.caption)}</figcaption></figure>")
    if tables:
        parts.append("<h2>Tables</h2>")
        parts += [frame_html(title, frame, note=frame.attrs.get("note", ""), level=3) for title, frame in tables]
    if report.meta:
        parts.append("<h2>About this report</h2><div class='scroll'>" + mapping_html(report.meta) + "</div>")
    parts.append("</body></html>")
    return "\n".join(parts)
