"""Input checks of the design functions: one clear error per bad input, raised before any work."""

from __future__ import annotations

import math

from ...errors import UsageError


def check_probability(name: str, value: float) -> float:
    """alpha, power, beta: a number strictly between 0 and 1."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number in (0, 1); got {value!r}.") from None
    if not (math.isfinite(v) and 0.0 < v < 1.0):
        raise UsageError(f"{name} must lie strictly between 0 and 1; got {value!r}.")
    return v


def check_positive(name: str, value: float, allow_none: bool = False):
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a positive number; got {value!r}.") from None
    if not (math.isfinite(v) and v > 0):
        raise UsageError(f"{name} must be a positive number; got {value!r}.")
    return v


def check_sided(sided) -> int:
    if sided not in (1, 2, "1", "2"):
        raise UsageError(f"sided must be 1 or 2; got {sided!r}.")
    return int(sided)


def check_hazard_ratio(hr: float) -> float:
    hr = check_positive("hazard ratio", hr)
    if abs(hr - 1.0) < 1e-12:
        raise UsageError("hazard ratio must differ from 1: under HR = 1 no number of events gives power.")
    return hr


def check_alpha_power(alpha: float, power: float, sided: int) -> tuple[float, float, int]:
    alpha, power, sided = check_probability("alpha", alpha), check_probability("power", power), check_sided(sided)
    if power <= alpha / sided:
        raise UsageError(f"power ({power}) must exceed the one-sided alpha ({alpha / sided:g}): a design with less "
                         "power than its type I error needs no patients.")
    return alpha, power, sided


def check_fractions(fractions) -> list[float]:
    """Information fractions of the looks: increasing, in (0, 1], the last one 1."""
    try:
        t = [float(x) for x in fractions]
    except (TypeError, ValueError):
        raise UsageError(f"information fractions must be numbers; got {fractions!r}.") from None
    if not t:
        raise UsageError("give at least one look.")
    if any(not (0 < x <= 1) for x in t) or any(b <= a for a, b in zip(t, t[1:])):
        raise UsageError(f"information fractions must increase strictly within (0, 1]; got {t}.")
    if abs(t[-1] - 1.0) > 1e-9:
        raise UsageError(f"the last look must be at information fraction 1 (the final analysis); got {t[-1]}.")
    return t
