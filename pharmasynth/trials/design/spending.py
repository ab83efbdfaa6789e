"""Lan-DeMets spending functions: the cumulative error f(t) spent by information fraction t.

obf     O'Brien-Fleming-type   f(t) = 2 - 2 Phi(z_{1-a/2} / sqrt(t))      (one-sided a)
pocock  Pocock-type            f(t) = a log(1 + (e - 1) t)
hsd     Hwang-Shih-DeCani      f(t) = a (1 - e^{-g t}) / (1 - e^{-g}),  g = 0: a t (linear)

Lan & DeMets (1983, Biometrika 70:659); Hwang, Shih & DeCani (1990, Stat Med 9:1439). The same
functions spend beta for futility bounds (with a = beta).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ...errors import UsageError

SPENDING = ("obf", "pocock", "hsd")


def spend(kind: str, total: float, t, gamma: float = -4.0) -> np.ndarray:
    """Cumulative error spent by information fractions ``t`` (array), reaching ``total`` at t = 1."""
    t = np.clip(np.asarray(t, float), 0.0, 1.0)
    if kind == "obf":
        z = stats.norm.isf(total / 2)
        with np.errstate(divide="ignore"):
            out = 2 * stats.norm.sf(z / np.sqrt(t))
    elif kind == "pocock":
        out = total * np.log1p((math.e - 1) * t)
    elif kind == "hsd":
        g = float(gamma)
        out = total * t if abs(g) < 1e-10 else total * -np.expm1(-g * t) / -math.expm1(-g)
    else:
        raise UsageError(f"spending={kind!r} is not one of {', '.join(map(repr, SPENDING))}.")
    return np.minimum(out, total)
