"""`out/index.html`: one page that links every report the demo wrote, each with its answer.

For each part that ran: its status and time, the lead sentence and key numbers of its main report
(read back from the report's JSON `lead`), a headline number, and links to every report of the
part (main report first, then e.g. trials/design/report.html). Every report page gets a bar of
links to the index and the other reports (the renderer leaves a marker for it: `NAV_MARKER`).

    entries = collect(out_dir, summary)      # summary: part -> run_demo's dict + status, seconds
    write_index(out_dir, entries)            # out/index.html, and the link bar in each report
    summary_rows(entries)                    # rows for the console table of `pharmasynth demo`
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from .._util.atomic import atomic_write_text
from ..evaluation.lead import format_number
from ..evaluation.report_style import NAV_MARKER, badge, page_head

TITLES = {"evaluation": "Evaluation core: synthetic ACTG 175 patients",
          "trials": "Clinical trials: PROCOVA, time to event, simulation, design",
          "molgen": "Molecule generation", "imaging": "Medical imaging: rare-class augmentation",
          "ehr": "Patient timelines (EHR): NAFLD cohort"}
# reports of a part besides its main one, in reading order (paths relative to the part's folder)
SUB_REPORTS = {"trials": ("design/report.html", "design_simulation/report.html")}


def _part_dir(out_dir: Path, part: str) -> Path:
    return out_dir if part == "evaluation" else out_dir / part


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _report_info(out_dir: Path, html_path: Path) -> dict:
    doc = _read_json(html_path.with_suffix(".json"))
    lead = doc.get("lead") or {}
    return {"path": os.path.relpath(html_path, out_dir), "title": doc.get("title") or html_path.parent.name,
            "lead": lead, "score": doc.get("score"), "headline": (doc.get("headline") or {}).get("text", "")}


def headline_number(info: dict) -> str:
    """The one number a reader looks at first: the lead's first key number (without its CI), else the score."""
    numbers = (info.get("lead") or {}).get("numbers") or []
    if numbers:
        n = numbers[0]
        unit = f" {n['unit']}" if n.get("unit") and n.get("value") is not None else ""
        return f"{n['label']}: {format_number(n.get('value'))}{unit}"
    if info.get("score") is not None:
        return f"score {format_number(info['score'])}"
    return ""


def collect(out_dir, summary: dict) -> list[dict]:
    """One entry per part in `summary` (as `pharmasynth demo` builds it), with its reports' leads."""
    out_dir = Path(out_dir)
    entries = []
    for part, result in summary.items():
        pdir = _part_dir(out_dir, part)
        main = Path(result["report"]) if isinstance(result.get("report"), str) else pdir / "report.html"
        if not main.is_absolute() and not main.exists():
            main = pdir / "report.html"
        candidates = [main] + [pdir / p for p in SUB_REPORTS.get(part, ())]
        reports = [_report_info(out_dir, p) for p in candidates if p.is_file()]
        entries.append({"part": part, "title": TITLES.get(part, part), "status": result.get("status", "ok"),
                        "seconds": result.get("seconds"), "error": result.get("error"), "reports": reports,
                        "headline": headline_number(reports[0]) if reports else "",
                        "sentence": ((reports[0]["lead"] or {}).get("sentence") or reports[0]["headline"])
                        if reports else ""})
    return entries


def _card(entry: dict) -> str:
    e = html.escape
    main = entry["reports"][0] if entry["reports"] else None
    status = (main["lead"] or {}).get("status") if main else None
    if entry["status"] != "ok":
        status = "bad"
    parts = [f"<div class='card {status or ''}'><h2>{e(entry['title'])} {badge(status)}</h2>"]
    time = f", {format_number(entry['seconds'])} s" if entry.get("seconds") is not None else ""
    parts.append(f"<p class='note'>part <b>{e(entry['part'])}</b>: {e(entry['status'])}{e(time)}</p>")
    if entry["status"] != "ok":
        parts.append(f"<p><b>failed</b>: {e(str(entry.get('error') or 'see the console'))}</p>")
    if entry["sentence"]:
        parts.append(f"<p><b>{e(entry['sentence'])}</b></p>")
    numbers = (main["lead"] or {}).get("numbers", []) if main else []
    if numbers:
        rows = "".join(f"<tr class='{n.get('status') or ''}'><td>{e(n['label'])}</td>"
                       f"<td><b>{e(n.get('text') or format_number(n.get('value')))}</b>"
                       f"{' — ' + e(n['note']) if n.get('note') else ''}</td></tr>"
                       for n in numbers)
        parts.append(f"<div class='scroll'><table>{rows}</table></div>")
    if entry["reports"]:
        links = "".join(f"<li><a href='{e(r['path'])}'>{e(r['path'])}</a> — {e(r['title'])}</li>"
                        for r in entry["reports"])
        parts.append(f"<ul>{links}</ul>")
    parts.append("</div>")
    return "".join(parts)


def index_html(entries: list[dict], title: str = "pharmasynth demo: every report") -> str:
    """The index page (see the module docstring)."""
    import datetime as _dt

    from .. import __version__

    cards = "".join(_card(x) for x in entries)
    made = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return (page_head(title) + f"<h1>{html.escape(title)}</h1>"
            f"<p class='note'>written {made} by pharmasynth {html.escape(__version__)}</p>"
            "<p class='note'>Each card: the part's answer (the lead of its main report), its key numbers coloured "
            "good / borderline / bad, and links to its reports. demo_summary.json holds every figure as data.</p>"
            f"<div class='cards'>{cards}</div></body></html>")


def _nav(report_path: Path, out_dir: Path, entries: list[dict]) -> str:
    base = report_path.parent
    links = [f"<a href='{html.escape(os.path.relpath(out_dir / 'index.html', base))}'>all reports (index)</a>"]
    for x in entries:
        for r in x["reports"][:1]:
            target = out_dir / r["path"]
            if target.resolve() != report_path.resolve():
                links.append(f"<a href='{html.escape(os.path.relpath(target, base))}'>{html.escape(x['part'])}</a>")
    return "<nav class='reports'>" + " ".join(links) + "</nav>"


def write_index(out_dir, entries: list[dict]) -> Path:
    """Write out/index.html and put the link bar into every report listed (where the marker is)."""
    out_dir = Path(out_dir)
    path = out_dir / "index.html"
    atomic_write_text(path, index_html(entries))
    for x in entries:
        for r in x["reports"]:
            page = out_dir / r["path"]
            text = page.read_text(encoding="utf-8")
            if NAV_MARKER in text:  # marker kept, any older bar replaced: writing twice gives one bar
                new = re.sub(re.escape(NAV_MARKER) + r"(<nav class='reports'>.*?</nav>)?",
                             lambda _: NAV_MARKER + _nav(page, out_dir, entries), text, count=1, flags=re.S)
                atomic_write_text(page, new)
    return path


def summary_rows(entries: list[dict], out_dir) -> list[dict]:
    """Rows of the console table: part, status, seconds, headline number, main report path (under out_dir)."""
    rows = []
    for x in entries:
        report = str(Path(out_dir) / x["reports"][0]["path"]) if x["reports"] else ""
        rows.append({"part": x["part"], "status": x["status"],
                     "time": f"{format_number(x['seconds'])} s" if x.get("seconds") is not None else "",
                     "headline": x["headline"] if x["status"] == "ok" else (x.get("error") or "failed"),
                     "report": report})
    return rows
