"""The report: data first (a DataFrame of metric rows), rendered second (text, JSON, HTML).

    report.details()   one row per metric          report.summary()   one row per group
    report.to_text()   the readable summary        report.to_json() / to_html() / write(out_dir)

Scores: each group's score is the weighted mean of its *scored* metrics (see
`MetricResult.scored`); the overall score is the weighted mean of the group scores with the
weights stated in the output. A failed metric is never averaged over silently: it is listed as
failed in every rendering and the group says how many were left out.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._util.atomic import atomic_write_text, dumps_json, to_jsonable
from .._util.deprecation import warn_deprecated
from .._util.figures import figure_to_png_base64
from .._util.results import ResultMixin
from .metric import GROUPS, MetricResult

DEFAULT_GROUP_WEIGHTS = {"fidelity": 0.25, "utility": 0.25, "privacy": 0.25, "validity": 0.25}


@dataclass
class ReportFigure:
    """A figure as the report embeds it: a base64 PNG with its title, caption and section."""

    title: str
    png_base64: str
    caption: str = ""
    section: str = "figures"


@dataclass
class Report(ResultMixin):
    """Metric rows plus figures and tables; `score()`, `details()`, `summary()`, `to_json()`, `to_html()`, `write()`."""

    metrics: list[MetricResult] = field(default_factory=list)
    title: str = "pharmasynth evaluation report"
    group_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GROUP_WEIGHTS))
    figures: list[ReportFigure] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        names = [m.name for m in self.metrics]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"metric names must be unique in a report; repeated: {sorted(dup)}")
        self.meta = {"created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                     **self.meta}  # a copy: the caller's dict is not changed

    # ---- building -------------------------------------------------------------------------
    def add(self, *metrics: MetricResult) -> "Report":
        for m in metrics:
            if any(m.name == x.name for x in self.metrics):
                raise ValueError(f"metric {m.name!r} is already in the report.")
            self.metrics.append(m)
        return self

    def add_figure(self, title: str, fig, caption: str = "", section: str = "figures") -> "Report":
        """Add a matplotlib Figure (rendered now, e.g. from `_util.figures.new_figure`) or a ready base64 PNG."""
        if isinstance(fig, str):
            png = fig
        else:
            png = figure_to_png_base64(fig)
            if getattr(fig.canvas, "manager", None) is not None and "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close(fig)  # a caller's pyplot figure: rendered, so release it
        self.figures.append(ReportFigure(title, png, caption, section))
        return self

    def add_table(self, title: str, frame: pd.DataFrame) -> "Report":
        self.tables.append((title, frame))
        return self

    def merge(self, other: "Report") -> "Report":
        self.add(*other.metrics)
        self.figures.extend(other.figures)
        self.tables.extend(other.tables)
        self.warnings.extend(other.warnings)
        return self

    # ---- data -----------------------------------------------------------------------------
    def details(self) -> pd.DataFrame:
        """One row per metric: name, group, value, direction, bounds, CI, score, status, notes."""
        rows = []
        for m in self.metrics:
            d = m.to_dict()
            rows.append({
                "name": d["name"], "group": d["group"], "value": d["value"], "direction": d["direction"],
                "target": d["target"], "lower_bound": d["bounds"][0], "upper_bound": d["bounds"][1],
                "ci_low": d["ci_low"], "ci_high": d["ci_high"], "score": d["score"],
                "weight": d["weight"], "status": d["status"], "error": d["error"], "notes": d["notes"],
            })
        cols = ["name", "group", "value", "direction", "target", "lower_bound", "upper_bound", "ci_low",
                "ci_high", "score", "weight", "status", "error", "notes"]
        return pd.DataFrame(rows, columns=cols)

    def frame(self) -> pd.DataFrame:
        """Deprecated name of `details()`."""
        warn_deprecated("Report.frame()", "Report.details()")
        return self.details()

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """Deprecated: the per-column and per-pair tables, now in the metric rows' details."""
        warn_deprecated("Report.frames", "the metric rows' details (column_shape: per_column, pair_trends: per_pair)")
        out = {}
        tables = (("column_shapes", "column_shape", "per_column"), ("pair_trends", "pair_trends", "per_pair"))
        for key, name, part in tables:
            rows = next((m.details.get(part) for m in self.metrics if m.name == name), None)
            if rows is not None:
                out[key] = pd.DataFrame([{k: v for k, v in r.items() if k != "histogram"} for r in rows])
        return out

    def group_scores(self) -> dict[str, dict]:
        out = {}
        for g in GROUPS:
            ms = [m for m in self.metrics if m.group == g]
            scored = [m for m in ms if m.scored]
            wsum = sum(m.weight for m in scored)
            score = (sum(m.weight * m.score for m in scored) / wsum) if wsum > 0 else None
            out[g] = {
                "score": score,
                "weight": self.group_weights.get(g, 0.0),
                "n_metrics": len(ms),
                "n_scored": len(scored),
                "failed": [m.name for m in ms if m.status == "failed"],
                "skipped": [m.name for m in ms if m.status == "skipped"],
            }
        return out

    def score(self, group: str | None = None) -> float | None:
        """Overall score in [0, 1] (or one group's). Groups with nothing scored are left out, and said so."""
        groups = self.group_scores()
        if group is not None:
            if group not in groups:
                raise ValueError(f"group={group!r} is not one of {GROUPS}.")
            return groups[group]["score"]
        present = {g: v for g, v in groups.items() if v["score"] is not None and v["weight"] > 0}
        wsum = sum(v["weight"] for v in present.values())
        if wsum == 0:
            return None
        return sum(v["weight"] * v["score"] for v in present.values()) / wsum

    def summary(self) -> pd.DataFrame:
        """One row per group: score, weight, n_scored, n_metrics and the failed and skipped metrics' names."""
        cols = ["group", "score", "weight", "n_scored", "n_metrics", "failed", "skipped"]
        return pd.DataFrame([{"group": g, **v} for g, v in self.group_scores().items()], columns=cols)

    # ---- renderings -----------------------------------------------------------------------
    def to_text(self) -> str:
        """The readable summary: overall and group scores, then every metric with its CI and score."""
        lines = [self.title, "=" * len(self.title)]
        overall = self.score()
        lines.append(f"overall score: {_fmt(overall)}  (weights: "
                     + ", ".join(f"{g} {w:g}" for g, w in self.group_weights.items()) + ")")
        for g, v in self.group_scores().items():
            if v["n_metrics"] == 0:
                continue
            extra = []
            if v["failed"]:
                extra.append(f"FAILED, not averaged: {', '.join(v['failed'])}")
            if v["skipped"]:
                extra.append(f"skipped: {', '.join(v['skipped'])}")
            lines.append(f"\n[{g}] score {_fmt(v['score'])} from {v['n_scored']} of {v['n_metrics']} metrics"
                         + (f" ({'; '.join(extra)})" if extra else ""))
            for m in self.metrics:
                if m.group != g:
                    continue
                arrow = {"higher": "higher is better", "lower": "lower is better",
                         "target": f"best at {m.target:g}" if m.target is not None else ""}[m.direction]
                if m.status == "failed":
                    lines.append(f"  {m.name:<40} FAILED  {m.error}")
                elif m.status == "skipped":
                    lines.append(f"  {m.name:<40} skipped  {m.notes}")
                else:
                    ci = f" [{_fmt(m.ci[0])}, {_fmt(m.ci[1])}]" if m.ci else ""
                    sc = f"score {_fmt(m.score)}" if m.score is not None else "not scored"
                    lines.append(f"  {m.name:<40} {_fmt(m.value):>10}{ci}  ({arrow}; {sc})")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_dict(self) -> dict:
        groups = self.group_scores()
        return to_jsonable({
            "title": self.title,
            "score": self.score(),
            "group_weights": self.group_weights,
            "groups": groups,
            "metrics": [m.to_dict() for m in self.metrics],
            "warnings": self.warnings,
            "meta": self.meta,
        })

    def to_html(self, path=None) -> str:
        """One self-contained HTML file (plots embedded); written atomically to `path` when given."""
        text = render_html(self)
        if path is not None:
            atomic_write_text(path, text)
        return text

    def write(self, out_dir, stem: str = "report") -> dict[str, Path]:
        """Write `stem`.json and `stem`.html into `out_dir` (each atomically); returns their paths."""
        paths = {"json": Path(out_dir) / f"{stem}.json", "html": Path(out_dir) / f"{stem}.html"}
        self.to_json(paths["json"])
        self.to_html(paths["html"])
        return paths

    def save(self, out_dir, stem: str = "report") -> dict[str, Path]:
        """Deprecated name of `write` (`save`/`load` mean model persistence)."""
        warn_deprecated("Report.save(out_dir, stem)", "Report.write(out_dir, stem)")
        return self.write(out_dir, stem)


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, (int,)) and not isinstance(x, bool):
        return str(x)
    ax = abs(x)
    return f"{x:.3g}" if (ax >= 1000 or (ax < 0.001 and ax > 0)) else f"{x:.3f}"


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}
th{background:#f4f4f4} .failed{background:#fde2e2} .skipped{color:#888} .score{font-size:2.2em;font-weight:bold}
.groups td{text-align:center} figure{display:inline-block;margin:.5em;vertical-align:top;max-width:100%}
figure img{max-width:100%} figcaption{font-size:.85em;color:#555;max-width:520px} .note{color:#555;font-size:.9em}
"""


def render_html(report: Report) -> str:
    e = html.escape
    groups = report.group_scores()
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(report.title)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{e(report.title)}</h1>"]
    parts.append(f"<div class='score'>score {_fmt(report.score())}</div>")
    parts.append("<p class='note'>Overall score = weighted mean of the group scores; a group score is the "
                 "weighted mean of its scored metrics (each mapped to [0, 1], 1 best). Failed metrics are "
                 "listed, never averaged.</p>")
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
    parts.append("<h2>Metrics</h2><table><tr><th>group</th><th>metric</th><th>value</th><th>95% CI</th>"
                 "<th>direction</th><th>bounds</th><th>score</th><th>status / notes</th></tr>")
    for m in report.metrics:
        cls = m.status if m.status != "ok" else ""
        ci = f"[{_fmt(m.ci[0])}, {_fmt(m.ci[1])}]" if m.ci else ""
        direction = m.direction if m.direction != "target" else f"target {m.target:g}"
        note = m.error if m.status == "failed" else m.notes
        parts.append(f"<tr class='{cls}'><td>{m.group}</td><td>{e(m.name)}</td><td>{_fmt(m.value)}</td>"
                     f"<td>{ci}</td><td>{direction}</td><td>[{_fmt(m.bounds[0])}, {_fmt(m.bounds[1])}]</td>"
                     f"<td>{_fmt(m.score)}</td><td>{e(m.status)} {e(note or '')}</td></tr>")
    parts.append("</table>")
    sections: dict[str, list[ReportFigure]] = {}
    for f in report.figures:
        sections.setdefault(f.section, []).append(f)
    for sec, figs in sections.items():
        parts.append(f"<h2>{e(sec.capitalize())}</h2>")
        for f in figs:
            parts.append(f"<figure><img alt='{e(f.title)}' src='data:image/png;base64,{f.png_base64}'>"
                         f"<figcaption><b>{e(f.title)}</b> {e(f.caption)}</figcaption></figure>")
    for title, frame in report.tables:
        parts.append(f"<h2>{e(title)}</h2>")
        parts.append(frame.to_html(index=False, float_format=lambda v: _fmt(float(v)), border=0, max_rows=200))
    if report.meta:
        parts.append("<h2>About this report</h2><table>")
        for k, v in report.meta.items():
            parts.append(f"<tr><th>{e(str(k))}</th><td>{e(dumps_json(v) if not isinstance(v, str) else v)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
