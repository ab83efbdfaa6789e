"""The report: data first (a DataFrame of metric rows), rendered second (text, JSON, HTML).

    report.details()   one row per metric          report.summary()   one row per group
    report.to_text()   the readable summary        report.to_json() / to_html() / write(out_dir)

Scores: each group's score is the weighted mean of its *scored* result rows (see
`MetricResult.scored`); the overall score is the weighted mean of the group scores with the
weights stated in the output, and exists only when every weighted group was scored (otherwise
`score` is None, `missing_groups()` says why and `partial_score()` is shown as such). Comparator
rows (baselines, real references) are shown in their own section and never averaged. Gates
(`gates.py`) are not averaged either: one failed gate means the headline is not a pass. A failed
metric is never averaged over silently: it is listed as failed in every rendering.
"""

from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._util.atomic import atomic_write_text, to_jsonable
from .._util.deprecation import warn_deprecated
from .._util.figures import figure_to_png_base64
from .._util.results import ResultMixin
from .gates import Gate, gates_passed
from .lead import Lead, headline_lead
from .metric import GROUPS, MetricResult
from .report_render import _fmt, render_html, render_text

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
    gates: list[Gate] = field(default_factory=list)
    missing_hints: dict[str, str] = field(default_factory=dict)
    calibration: pd.DataFrame | None = None
    lead: Lead | None = None  # the answer first: set by each domain's report builder (see lead.py)

    def __post_init__(self):
        names = [m.name for m in self.metrics]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"metric names must be unique in a report; repeated: {sorted(dup)}")
        from .. import __version__

        # every report says when and by which version it was made (a copy: the caller's dict is not changed)
        self.meta = {"created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                     "pharmasynth_version": __version__, **self.meta}

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

    def add_table(self, title: str, frame: pd.DataFrame, units: dict[str, str] | None = None,
                  note: str = "") -> "Report":
        """Add a table; `units` ({column: unit}) are shown in its header, `note` under its title. Tables
        over 15 rows are folded in the HTML with a CSV download of every row."""
        if units or note:
            frame = frame.copy()  # the caller's frame is not changed
            frame.attrs["units"] = {**frame.attrs.get("units", {}), **(units or {})}
            if note:
                frame.attrs["note"] = note
        self.tables.append((title, frame))
        return self

    def add_comparator(self, *metrics: MetricResult, label: str | None = None) -> "Report":
        """Add rows as comparators (see `metric.comparator`): shown, never averaged into a group."""
        from .metric import comparator

        return self.add(*(comparator(m, label) for m in metrics))

    def merge(self, other: "Report") -> "Report":
        self.add(*other.metrics)
        self.gates.extend(other.gates)
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
                "role": d["role"],
            })
        cols = ["name", "group", "value", "direction", "target", "lower_bound", "upper_bound", "ci_low",
                "ci_high", "score", "weight", "status", "error", "notes", "role"]
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
        """Per group: score (weighted mean of its scored result rows), weight, counts, failed/skipped names.
        Comparator rows are not counted: they are references, not measurements of this table."""
        out = {}
        for g in GROUPS:
            ms = [m for m in self.metrics if m.group == g and m.role == "result"]
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

    def missing_groups(self) -> dict[str, str]:
        """Weighted groups (weight > 0) with no scored metric -> why, e.g. {"utility": "not run - give --holdout
        and --target"}. While any is missing there is no overall score."""
        out = {}
        for g, v in self.group_scores().items():
            if v["weight"] <= 0 or v["score"] is not None:
                continue
            rows = [m for m in self.metrics if m.group == g and m.role == "result"]
            failed = [f"{m.name} failed ({m.error})" for m in rows if m.status == "failed"]
            skipped = [m.notes for m in rows if m.status == "skipped" and m.notes]
            hint = self.missing_hints.get(g, "")
            if failed:
                out[g] = "failed - " + "; ".join(failed)
            elif skipped:
                out[g] = "not run - " + "; ".join(dict.fromkeys(skipped)) + (f" ({hint})" if hint else "")
            else:
                out[g] = "not run" + (f" - {hint}" if hint else "")
        return out

    def score(self, group: str | None = None) -> float | None:
        """Overall score in [0, 1], or one group's (`group=`).

        The overall score exists only when EVERY weighted group (weight > 0) has a scored metric:
        leaving a check out must never raise the score. Otherwise it is None; `missing_groups()`
        says which groups are missing and why, and `partial_score()` gives the mean over the rest.
        """
        groups = self.group_scores()
        if group is not None:
            if group not in groups:
                raise ValueError(f"group={group!r} is not one of {GROUPS}.")
            return groups[group]["score"]
        if self.missing_groups():
            return None
        return self.partial_score()

    def partial_score(self) -> float | None:
        """Weighted mean over the groups that were scored: NOT comparable with a full score (a group
        left out cannot pull it down). Equals `score()` when no weighted group is missing."""
        present = {g: v for g, v in self.group_scores().items() if v["score"] is not None and v["weight"] > 0}
        wsum = sum(v["weight"] for v in present.values())
        if wsum == 0:
            return None
        return sum(v["weight"] * v["score"] for v in present.values()) / wsum

    @property
    def passed(self) -> bool | None:
        """True when every gate passed, False when one failed, None when none failed but some could not
        be checked (or the report has no gates)."""
        return gates_passed(self.gates)

    def headline(self) -> dict:
        """{"status": "pass" | "fail" | "incomplete" | "info", "text": ...}: what the report leads with.

        fail        a gate failed: whatever the averages say, not a pass
        incomplete  no overall score (a weighted group missing) or a gate could not be checked
        pass        every weighted group scored and no gate failed or went unchecked
        info        nothing is graded (every group weight is 0: a design, a simulation summary)
        """
        score, partial, missing = self.score(), self.partial_score(), self.missing_groups()
        failed = [g for g in self.gates if g.passed is False]
        if not failed and not any(w > 0 for w in self.group_weights.values()):
            # a design or a simulation summary: nothing is graded, so nothing may read as a grade
            return {"status": "info", "text": "no score: this report describes, it does not grade (no weighted group)"}
        unchecked = [g for g in self.gates if g.passed is None]
        parts = []
        if failed:
            status = "fail"
            parts.append("FAILED gate(s): " + "; ".join(f"{g.name}: {g.reason}" for g in failed))
            shown = score if score is not None else partial
            if shown is not None:
                parts.append(f"the {'score' if score is not None else 'partial score'} {_fmt(shown)} is not a pass")
        elif score is None:
            status = "incomplete"
        else:
            status = "incomplete" if unchecked else "pass"
        if score is None:
            parts.append("no overall score: " + "; ".join(f"{g}: {why}" for g, why in missing.items()))
            if partial is not None and not failed:
                parts.append(f"partial score {_fmt(partial)} over the other groups (not comparable with a full score)")
        elif not failed:
            parts.append(f"score {_fmt(score)}")
        if unchecked and not failed:
            parts.append("unchecked gate(s): " + "; ".join(f"{g.name} ({g.reason})" for g in unchecked))
        return {"status": status, "text": "; ".join(parts)}

    def answer(self) -> Lead:
        """What the report leads with: `lead` as its builder set it, else one made from the headline
        (pass/fail, score, weakest group, privacy gates: `lead.headline_lead`)."""
        return self.lead if self.lead is not None else headline_lead(self)

    def summary(self) -> pd.DataFrame:
        """One row per group: score, weight, n_scored, n_metrics and the failed and skipped metrics' names."""
        cols = ["group", "score", "weight", "n_scored", "n_metrics", "failed", "skipped"]
        return pd.DataFrame([{"group": g, **v} for g, v in self.group_scores().items()], columns=cols)

    def comparators(self) -> pd.DataFrame:
        """The comparator rows (baselines, real-only models, real references), as `details()` rows."""
        d = self.details()
        return d[d["role"] == "comparator"].reset_index(drop=True)

    # ---- renderings -----------------------------------------------------------------------
    def to_text(self) -> str:
        """The readable summary: headline, group scores, every metric with its CI and score, comparators."""
        return render_text(self)

    def __str__(self) -> str:
        return self.to_text()

    def to_dict(self) -> dict:
        groups = self.group_scores()
        return to_jsonable({
            "title": self.title,
            "lead": self.answer().to_dict(),
            "score": self.score(),
            "partial_score": self.partial_score(),
            "missing_groups": self.missing_groups(),
            "headline": self.headline(),
            "passed": self.passed,
            "gates": [g.to_dict() for g in self.gates],
            "group_weights": self.group_weights,
            "groups": groups,
            "metrics": [m.to_dict() for m in self.metrics if m.role == "result"],
            "comparators": [m.to_dict() for m in self.metrics if m.role == "comparator"],
            "calibration": None if self.calibration is None else self.calibration.to_dict(orient="records"),
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


