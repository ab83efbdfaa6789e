"""One metric result: what it measures, which way is better, its bounds and uncertainty.

Every subpackage reports through `MetricResult`, so that a molecule library, a set of synthetic
images and a synthetic control arm all land in the same `Report`.
"""

from __future__ import annotations

import math
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from typing import Callable

GROUPS = ("fidelity", "utility", "privacy", "validity")
DIRECTIONS = ("higher", "lower", "target")
STATUSES = ("ok", "failed", "skipped")
ROLES = ("result", "comparator")


@dataclass(frozen=True)
class MetricResult:
    """A single metric row.

    name       unique within a report, e.g. "column_shape", "dcr_share_closer_to_train"
    group      one of fidelity, utility, privacy, validity
    value      the raw value (None when failed or skipped)
    direction  "higher" or "lower" is better, or "target" (closest to `target` is best)
    bounds     (low, high) of the raw value; math.inf where unbounded
    score      the value mapped to [0, 1], 1 best, used in the report's averages; None means
               "reported, not scored" (e.g. an unbounded distance with no natural scale)
    ci         (low, high) confidence interval of `value`, or None
    status     "ok", "failed" (an error happened; `error` says which) or "skipped" (not
               applicable, e.g. no holdout given; `notes` says why)
    role       "result" (a measurement of the data under test) or "comparator" (a reference it is
               compared with: a baseline generator, a real-only model, a real reference). Comparators
               are shown in their own section and never averaged into a group.
    """

    name: str
    group: str
    value: float | None
    direction: str = "higher"
    bounds: tuple[float, float] = (0.0, 1.0)
    score: float | None = None
    ci: tuple[float, float] | None = None
    target: float | None = None
    status: str = "ok"
    error: str | None = None
    notes: str = ""
    weight: float = 1.0
    details: dict = field(default_factory=dict)
    role: str = "result"

    def __post_init__(self):
        if self.group not in GROUPS:
            raise ValueError(f"metric {self.name!r}: group={self.group!r} is not one of {GROUPS}.")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"metric {self.name!r}: direction={self.direction!r} is not one of {DIRECTIONS}.")
        if self.status not in STATUSES:
            raise ValueError(f"metric {self.name!r}: status={self.status!r} is not one of {STATUSES}.")
        if self.role not in ROLES:
            raise ValueError(f"metric {self.name!r}: role={self.role!r} is not one of {ROLES}.")
        if self.direction == "target" and self.target is None:
            raise ValueError(f"metric {self.name!r}: direction='target' needs a target value.")
        if self.score is not None and not (0.0 <= self.score <= 1.0) and not math.isnan(self.score):
            raise ValueError(f"metric {self.name!r}: score={self.score} is outside [0, 1].")

    @property
    def scored(self) -> bool:
        """True if this metric takes part in the report's averages (comparators never do)."""
        return self.role == "result" and self.status == "ok" and self.score is not None and not math.isnan(self.score)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["bounds"] = list(self.bounds)
        d["ci_low"], d["ci_high"] = (self.ci if self.ci is not None else (None, None))
        del d["ci"]
        return d

    @classmethod
    def failed(cls, name: str, group: str, error: str, **kw) -> "MetricResult":
        return cls(name=name, group=group, value=None, status="failed", error=error, **kw)

    @classmethod
    def skipped(cls, name: str, group: str, why: str, **kw) -> "MetricResult":
        return cls(name=name, group=group, value=None, status="skipped", notes=why, **kw)


def comparator(result: MetricResult, label: str | None = None) -> MetricResult:
    """The same row as a comparator: shown beside the results, never averaged into a group."""
    import dataclasses

    notes = f"comparator ({label}): {result.notes}" if label else result.notes
    return dataclasses.replace(result, role="comparator", notes=notes)


def wilson_interval(k: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (Wilson 1927).

    Unlike the Wald interval it stays inside [0, 1] and is not degenerate at 0/n or n/n: with
    0 of 1,069 it gives [0, 0.0036], where Wald gives [0, 0].
    """
    from scipy.stats import norm

    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ValueError(f"wilson_interval: k={k} is outside [0, n={n}].")
    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo, hi = max(centre - half, 0.0), min(centre + half, 1.0)
    # exact ends at 0/n and n/n (rounding can leave 1e-17 instead of 0)
    return (0.0 if k == 0 else lo, 1.0 if k == n else hi)


def clopper_pearson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of a proportion k/n, from the beta distribution."""
    from scipy.stats import beta

    if n <= 0:
        return (math.nan, math.nan)
    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return (lo, hi)


def proportion(name: str, group: str, k: int, n: int, **kw) -> MetricResult:
    """A metric row for the proportion k/n with its Wilson interval (bounds [0, 1])."""
    kw.setdefault("bounds", (0.0, 1.0))
    if n == 0:
        return MetricResult.skipped(name, group, "no rows to count", direction=kw.get("direction", "higher"))
    return metric(name, group, k / n, ci=wilson_interval(k, n), **kw)


def score_from_value(value: float, direction: str, bounds=(0.0, 1.0), target: float | None = None) -> float:
    """Map a bounded raw value to [0, 1] with 1 best.

    higher: (v - lo) / (hi - lo); lower: (hi - v) / (hi - lo);
    target: 1 - |v - target| / max distance from target to a bound.
    """
    lo, hi = bounds
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise ValueError("score_from_value needs finite bounds; give the score explicitly instead.")
    v = min(max(float(value), lo), hi)
    if direction == "higher":
        s = (v - lo) / (hi - lo)
    elif direction == "lower":
        s = (hi - v) / (hi - lo)
    else:
        span = max(target - lo, hi - target)
        s = 1.0 - abs(v - target) / span
    return float(min(max(s, 0.0), 1.0))


def chance_score(value: float) -> float:
    """Score of a rate or AUC whose ideal is 0.5 (chance) and whose risk grows above it:
    1 - 2 x max(value - 0.5, 0), so 0.5 or below -> 1 and 1.0 -> 0."""
    return float(1.0 - 2.0 * max(value - 0.5, 0.0))


def metric(name: str, group: str, value: float, *, direction: str = "higher", bounds=(0.0, 1.0),
           target: float | None = None, ci=None, score="auto", **kw) -> MetricResult:
    """Build an ok MetricResult; `score="auto"` maps a bounded value with `score_from_value`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MetricResult.failed(name, group, "the metric evaluated to NaN", direction=direction,
                                   bounds=tuple(bounds), target=target, **kw)
    if score == "auto":
        lo, hi = bounds
        score = (score_from_value(value, direction, bounds, target)
                 if math.isfinite(lo) and math.isfinite(hi) else None)
    return MetricResult(name=name, group=group, value=float(value), direction=direction,
                        bounds=tuple(float(b) for b in bounds), score=score,
                        ci=None if ci is None else (float(ci[0]), float(ci[1])), target=target, **kw)


def guarded(name: str, group: str, fn: Callable[[], list[MetricResult] | MetricResult], **kw) -> list[MetricResult]:
    """Run a metric computation; an exception becomes a visible failed row, never a lost report."""
    try:
        out = fn()
    except Exception as exc:  # a metric must not kill the report; it shows as failed instead
        msg = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"metric {name!r} failed and is excluded from the score: {msg}", stacklevel=2)
        return [MetricResult.failed(name, group, msg, details={"traceback": traceback.format_exc(limit=3)}, **kw)]
    return [out] if isinstance(out, MetricResult) else list(out)
