"""What a report leads with: one sentence that answers its user's question, and the few numbers behind it.

Each domain builds its own lead (trials: effect, CI, SE ratio; molgen: valid, unique, novelty, FCD;
imaging: recall real-only vs real+synthetic and the verdict; evaluation: the headline) and sets
`report.lead`; the renderers put it first, coloured by each number's status.

    report.lead = Lead("Adjusting for the twin's prediction cut the SE by 21 %.",
                       [KeyNumber("effect", 73.4, unit="cells/mm³", ci=(57.6, 89.1)),
                        KeyNumber("SE ratio vs unadjusted", 0.786, status=grade(0.786, good=0.9, bad=1.0,
                                                                                  direction="minimize"))])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STATUSES = ("good", "borderline", "bad")


def grade(value, good: float, bad: float, direction: str = "maximize") -> str | None:
    """'good' / 'borderline' / 'bad' for `value` against two thresholds in a declared direction.

    maximize: good when value >= good, bad when value < bad (bad < good).
    minimize: good when value <= good, bad when value > bad (bad > good).
    None when the value is missing or not finite (nothing to grade)."""
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    if direction == "maximize":
        if bad > good:
            raise ValueError(f"maximize: bad ({bad}) must not exceed good ({good}).")
        return "good" if value >= good else ("bad" if value < bad else "borderline")
    if direction == "minimize":
        if bad < good:
            raise ValueError(f"minimize: bad ({bad}) must not be below good ({good}).")
        return "good" if value <= good else ("bad" if value > bad else "borderline")
    raise ValueError(f"direction must be 'maximize' or 'minimize', not {direction!r}.")


MISSING = "—"  # what a missing, NaN or empty value reads as (never "nan", "None" or "[]")


def format_number(value, digits: int = 3) -> str:
    """A number for people: ints with thousands separators, floats to `digits` significant digits,
    never scientific notation between 1e-4 and 1e9; None and NaN read "—", infinities "∞"/"-∞".
    numpy scalars are numbers (their repr, ``np.float64(611.0)``, never reaches a reader)."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar -> Python number
        value = value.item()
        if isinstance(value, (bool, str)):
            return str(value)
    if not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return MISSING
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e9:
        decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
        text = f"{value:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text  # 0.05, not 0.0500
    return f"{value:.{digits}g}"


@dataclass
class KeyNumber:
    """One number a report leads with: label, value, unit, optional CI, and its grade."""

    label: str
    value: float | int | str | None
    unit: str = ""
    ci: tuple[float, float] | None = None
    status: str | None = None  # one of STATUSES, or None (not graded)
    note: str = ""
    digits: int = 3
    ci_level: float = 0.95  # the CI's coverage, as its label shows it ("95% CI")

    def __post_init__(self):
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"KeyNumber status must be one of {STATUSES} or None, not {self.status!r}.")

    def formatted(self) -> str:
        text = format_number(self.value, self.digits)
        if self.unit and self.value is not None:
            text += self.unit if self.unit == "%" else f" {self.unit}"
        if self.ci is not None:
            text += (f" ({self.ci_label()} {format_number(self.ci[0], self.digits)} to "
                     f"{format_number(self.ci[1], self.digits)})")
        return text

    def ci_label(self) -> str:
        return f"{format_number(100 * self.ci_level, 3)}% CI"

    def to_dict(self) -> dict:
        return {"label": self.label, "value": self.value, "unit": self.unit,
                "ci": None if self.ci is None else list(self.ci), "ci_level": self.ci_level, "status": self.status, "note": self.note,
                "text": self.formatted()}


@dataclass
class Lead:
    """The answer first: a sentence, and the two to five numbers behind it."""

    sentence: str
    numbers: list[KeyNumber] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        """The worst status among the graded numbers (None when none is graded)."""
        graded = [n.status for n in self.numbers if n.status is not None]
        return max(graded, key=STATUSES.index) if graded else None

    def to_text(self) -> str:
        lines = [self.sentence]
        for n in self.numbers:
            flag = {"bad": " [BAD]", "borderline": " [borderline]"}.get(n.status, "")
            lines.append(f"  {n.label}: {n.formatted()}{flag}" + (f" — {n.note}" if n.note else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"sentence": self.sentence, "status": self.status, "numbers": [n.to_dict() for n in self.numbers]}


# --------------------------------------------------------------------------------------------
# grading a metric row, and the lead a report gets when its builder set none
# --------------------------------------------------------------------------------------------
# Thresholds on a row's score (its value mapped to [0, 1] from its declared direction and bounds):
SCORE_GOOD, SCORE_BAD = 0.8, 0.5
# A "target" row (coverage, type I error, DCR share) with a CI: good when the CI holds the target; else bad
# when it misses the target by more than this share of the target, borderline in between.
TARGET_RELATIVE_BAD = 0.5


def metric_status(m) -> str | None:
    """'good' / 'borderline' / 'bad' for a `MetricResult` row, None when it is not graded.

    In order: a failed row is bad; skipped rows and comparators are not graded; a row whose builder
    declared thresholds (`details["grade"] = {"good": g, "bad": b}`, direction from the row) is graded
    on them; a "target" row with a CI is graded on whether the CI holds the target (see
    TARGET_RELATIVE_BAD; `details["grade"] = {"above_target": "bad"}` makes a CI wholly above the
    target bad, as for a type I error); any other scored row on its score (SCORE_GOOD, SCORE_BAD)."""
    if m.status == "failed":
        return "bad"
    if m.status != "ok" or m.role != "result" or m.value is None:
        return None
    declared = (m.details or {}).get("grade") if isinstance(m.details, dict) else None
    if declared:
        direction = {"higher": "maximize", "lower": "minimize"}.get(m.direction)
        if direction is not None:
            return grade(m.value, good=declared["good"], bad=declared["bad"], direction=direction)
    if m.direction == "target" and m.ci is not None and m.target is not None:
        lo, hi = m.ci
        if lo <= m.target <= hi:
            return "good"
        if declared and declared.get("above_target") == "bad" and lo > m.target:
            return "bad"  # e.g. a type I error whose whole CI lies above alpha
        scale = abs(m.target) if m.target else max(abs(m.bounds[1] - m.bounds[0]), 1e-12)
        return "bad" if abs(m.value - m.target) > TARGET_RELATIVE_BAD * scale else "borderline"
    if m.score is None or (isinstance(m.score, float) and math.isnan(m.score)):
        return None
    if m.direction == "target":  # no CI: closeness to the target on the score's scale, a stricter bar
        return grade(m.score, good=0.9, bad=0.7)
    return grade(m.score, good=SCORE_GOOD, bad=SCORE_BAD)


def headline_lead(report) -> Lead:
    """The lead of a graded report whose builder set none (e.g. `evaluate`): pass/fail and the score,
    the weakest group, the privacy gate(s), the failed rows. A report that grades nothing leads with
    its headline sentence only."""
    head = report.headline()
    if head["status"] == "info":
        return Lead(head["text"][:1].upper() + head["text"][1:] + ".")
    groups = {g: v for g, v in report.group_scores().items() if v["weight"] > 0 and v["score"] is not None}
    score, partial = report.score(), report.partial_score()
    numbers = []
    if score is not None:
        numbers.append(KeyNumber("overall score", score, status=grade(score, good=0.8, bad=0.6),
                                 note="weighted mean of the group scores, 1 best"))
    elif partial is not None:
        numbers.append(KeyNumber("partial score", partial, status="borderline",
                                 note="scored groups only: " + ", ".join(report.missing_groups()) + " missing"))
    weakest = min(groups, key=lambda g: groups[g]["score"]) if groups else None
    if weakest is not None:
        ws = groups[weakest]["score"]
        numbers.append(KeyNumber(f"weakest group: {weakest}", ws, status=grade(ws, good=0.8, bad=0.6)))
    privacy_gates = list(report.gates)  # every gate guards privacy (copies, membership, too-perfect detection)
    if privacy_gates:
        failed = [g.name for g in privacy_gates if g.passed is False]
        unchecked = [g.name for g in privacy_gates if g.passed is None]
        text = ("FAILED: " + ", ".join(failed)) if failed else (
            "not checked: " + ", ".join(unchecked) if unchecked else f"{len(privacy_gates)} of {len(privacy_gates)} passed")
        numbers.append(KeyNumber("privacy gates", text, status="bad" if failed else ("borderline" if unchecked else "good")))
    calibrated = _calibration_position(report)
    if calibrated is not None:
        numbers.append(calibrated)
    failed_rows = [m.name for m in report.metrics if m.role == "result" and m.status == "failed"]
    if failed_rows:
        numbers.append(KeyNumber("metrics that failed to compute", len(failed_rows), status="bad",
                                 note=", ".join(failed_rows[:5]) + (" …" if len(failed_rows) > 5 else "")))
    verdict = {"pass": "PASS", "fail": "FAIL", "incomplete": "INCOMPLETE"}[head["status"]]
    if score is not None:
        body = f"overall score {format_number(score)}"
    elif partial is not None:
        body = f"no overall score (partial {format_number(partial)} over the scored groups)"
    else:
        body = "no group could be scored"
    weak = f"; the weakest group is {weakest} ({format_number(groups[weakest]['score'])})" if weakest else ""
    gate_text = ""
    if privacy_gates:
        bad = [g.name for g in privacy_gates if g.passed is False]
        gate_text = "; privacy gate FAILED (" + ", ".join(bad) + ")" if bad else (
            "; every privacy gate passed" if all(g.passed for g in privacy_gates) else "; a privacy gate was not checked")
    cal = (f"; calibrated on the same real data it sits {format_number(calibrated.value)} of the way from the "
           f"worst control to an independent real sample") if calibrated is not None else ""
    return Lead(f"{verdict}: {body}{weak}{gate_text}{cal}.", numbers)


def _calibration_position(report) -> KeyNumber | None:
    """The overall calibrated position (0 = the worst control, 1 = an independent real sample), if calibrated."""
    cal = getattr(report, "calibration", None)
    if cal is None or "position" not in getattr(cal, "columns", ()) or "group" not in cal.columns:
        return None
    rows = cal.set_index("group")
    if "overall" not in rows.index:
        return None
    pos, floor = rows.loc["overall", "position"], rows.loc["overall"].get("floor_is", "")
    if pos is None or not isinstance(pos, (int, float)) or not math.isfinite(pos):
        return None
    return KeyNumber("calibrated position (overall)", float(pos), status=grade(float(pos), good=0.8, bad=0.5),
                     note=f"0 = the worst control ({floor}), 1 = an independent real sample")
