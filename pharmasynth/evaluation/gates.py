"""Privacy gates: conditions a synthetic table must meet before any score may call it a pass.

A score is an average, and an average can hide a leak: a table of 100 % copies of the training
rows scored 0.73 overall because perfect fidelity and utility outweighed a poor privacy group.
A gate is not averaged. Each one reads metric rows that `privacy_metrics` and
`fidelity_metrics` already computed and answers passed (True), failed (False) or could not be
checked (None, with the reason); `Report.passed` is True only when every gate passed.

    exact_copies       the share of synthetic rows identical to a training row is above the
                       real data's own base rate: the lower end of its Wilson CI is above the
                       upper end of the base rate's (real tables can hold duplicate rows, and
                       an independent real sample then "copies" at that rate)
    membership         a membership-inference attack's AUC CI lies entirely above 0.55
    detection_too_low  the real-vs-synthetic detection AUC lies far below 0.5: a classifier
                       that is reliably WRONG has learned that the synthetic rows are the real
                       ones (copies split across folds) - scored as perfect fidelity otherwise
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .metric import MetricResult, wilson_interval

MEMBERSHIP_AUC_LIMIT = 0.55
DETECTION_MIN_GAP = 0.10   # at least this far below 0.5, and 4 standard errors


@dataclass(frozen=True)
class Gate:
    """One gate: `passed` is True, False, or None when it could not be checked (`reason` says why)."""

    name: str
    passed: bool | None
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def _row(metrics, name) -> MetricResult | None:
    return next((m for m in metrics if m.name == name and m.role == "result"), None)


def _unchecked(name: str, row: MetricResult | None, what: str) -> Gate:
    if row is None:
        return Gate(name, None, f"not checked: no {what} row in the report")
    why = row.error if row.status == "failed" else row.notes
    return Gate(name, None, f"not checked: {what} {row.status} ({why})")


def exact_copies_gate(metrics) -> Gate:
    row = _row(metrics, "exact_copy_rate")
    if row is None or row.status != "ok":
        return _unchecked("exact_copies", row, "exact_copy_rate")
    d = row.details
    n, k = d.get("n_synthetic"), d.get("n_copies")
    base, n_base = d.get("base_rate", d.get("holdout_base_rate", 0.0)), d.get("n_base")
    lo = row.ci[0] if row.ci else (wilson_interval(k, n)[0] if n else row.value)
    base_hi = wilson_interval(round(base * n_base), n_base)[1] if n_base else base
    passed = not lo > base_hi
    reason = (f"{row.value:.2%} of synthetic rows copy a training row (95% CI from {lo:.2%}); the real base rate is "
              f"{base:.2%} (up to {base_hi:.2%}, {d.get('base_rate_source', 'holdout rows found in train')})")
    return Gate("exact_copies", passed, reason + ("" if passed else ": the generator reproduces training records"))


def membership_gate(metrics) -> Gate:
    rows = [m for m in metrics if m.role == "result" and m.name.startswith("mia_") and m.name.endswith("_auc")]
    ok = [m for m in rows if m.status == "ok" and m.ci is not None]
    if not ok:
        return _unchecked("membership", _row(metrics, "membership_inference_auc_worst"), "membership inference")
    worst = max(ok, key=lambda m: m.ci[0])
    passed = worst.ci[0] <= MEMBERSHIP_AUC_LIMIT
    attack = worst.name[len("mia_"):-len("_auc")]
    reason = (f"{attack} attack AUC {worst.value:.3f}, 95% CI [{worst.ci[0]:.3f}, {worst.ci[1]:.3f}]; fails when the "
              f"whole CI lies above {MEMBERSHIP_AUC_LIMIT}")
    return Gate("membership", passed, reason + ("" if passed else ": an attacker can tell training records apart"))


def detection_gate(metrics) -> Gate:
    row = _row(metrics, "detection_auc")
    if row is None or row.status != "ok":
        return _unchecked("detection_too_low", row, "detection_auc")
    n = _detection_rows(row)
    # standard error of an AUC under no signal with n rows per side (Hanley & McNeil 1982)
    se = math.sqrt((2 * n + 1) / (12.0 * n * n)) if n else 0.0
    limit = 0.5 - max(DETECTION_MIN_GAP, 4 * se)
    passed = row.value >= limit
    reason = f"detection AUC {row.value:.3f}; fails below {limit:.3f} (0.5 - max({DETECTION_MIN_GAP}, 4 SE))"
    return Gate("detection_too_low", passed,
                reason + ("" if passed else ": the classifier is reliably wrong, a sign of copied rows"))


def _detection_rows(row: MetricResult) -> int:
    n = row.details.get("n_per_side")
    if n:
        return int(n)
    import re

    m = re.search(r"on ([\d,]+) rows each", row.notes or "")
    return int(m.group(1).replace(",", "")) if m else 0


def evaluate_gates(metrics) -> list[Gate]:
    """The three privacy gates from a report's metric rows."""
    return [exact_copies_gate(metrics), membership_gate(metrics), detection_gate(metrics)]


def gates_passed(gates) -> bool | None:
    """True when every gate passed; False when one failed; None when none failed but one could not be checked."""
    if any(g.passed is False for g in gates):
        return False
    if not gates or any(g.passed is None for g in gates):
        return None
    return True
