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


def format_number(value, digits: int = 3) -> str:
    """A number for people: ints with thousands separators, floats to `digits` significant digits,
    never scientific notation between 1e-4 and 1e9."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e9:
        decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
        return f"{value:,.{decimals}f}"
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

    def __post_init__(self):
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"KeyNumber status must be one of {STATUSES} or None, not {self.status!r}.")

    def formatted(self) -> str:
        text = format_number(self.value, self.digits)
        if self.unit and self.value is not None:
            text += f" {self.unit}"
        if self.ci is not None:
            text += f" (95% CI {format_number(self.ci[0], self.digits)} to {format_number(self.ci[1], self.digits)})"
        return text

    def to_dict(self) -> dict:
        return {"label": self.label, "value": self.value, "unit": self.unit,
                "ci": None if self.ci is None else list(self.ci), "status": self.status, "note": self.note,
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
