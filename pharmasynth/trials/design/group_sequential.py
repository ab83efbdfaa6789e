"""Group-sequential boundaries by exact recursive numerical integration.

The standardised statistics Z_1..Z_K at information fractions t_1 < ... < t_K = 1 have the
canonical joint distribution (Jennison & Turnbull 2000, ch. 3): the score S_k = Z_k sqrt(t_k) has
independent increments N(drift * dt, dt), where ``drift`` = theta sqrt(I_max) is the mean of
Z at full information. The probability of reaching look k inside the continuation region and
then crossing a bound is an iterated integral; it is computed by the grid method of
Armitage, McPherson & Rowe (1969) as laid out in Jennison & Turnbull ch. 19: per look a grid of
6r - 1 points (dense in the centre, log-spaced tails, trimmed to the continuation region) refined
by Simpson's rule, and the density carried from look to look. r = 32 gives about 1e-7 accuracy.

Efficacy bounds come from Lan-DeMets alpha spending (``spending.py``) under theta = 0; two-sided
designs get symmetric bounds with alpha spent on both sides together. Optional futility bounds
are *non-binding* and come from beta spending under the alternative: the efficacy bounds are
computed ignoring them (so type I error holds whether or not futility is obeyed) and the maximum
information is raised until the two bounds meet at the last look (the gsDesign / rpact approach).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..._util.results import ResultMixin
from ...errors import UsageError
from .checks import check_alpha_power, check_fractions
from .spending import SPENDING, spend

GRID_R = 32


def _grid(centre: float, lo: float, hi: float, r: int = GRID_R):
    """Jennison & Turnbull's grid on (lo, hi) around ``centre``, with Simpson weights: (points, weights)."""
    i = np.arange(1, 6 * r)
    x = np.where(i < r, -3 - 4 * np.log(r / i),
                 np.where(i <= 5 * r, -3 + 3 * (i - r) / (2 * r), 3 + 4 * np.log(r / np.maximum(6 * r - i, 1e-300))))
    x = x + centre
    lo_e, hi_e = max(lo, x[0]), min(hi, x[-1])
    if hi_e <= lo_e:
        return np.empty(0), np.empty(0)
    pts = np.concatenate([[lo_e], x[(x > lo_e) & (x < hi_e)], [hi_e]])
    z = np.empty(2 * len(pts) - 1)
    z[0::2] = pts
    z[1::2] = (pts[:-1] + pts[1:]) / 2
    d = np.diff(pts)
    w = np.zeros(len(z))
    w[0:-1:2] += d / 6
    w[1::2] += 4 * d / 6
    w[2::2] += d / 6
    return z, w


class _Recursion:
    """The sub-density of Z_k on the continuation region, carried look to look."""

    def __init__(self, fractions, drift: float):
        self.t, self.drift, self.k = list(fractions), float(drift), 0
        self.z = self.g = None  # grid and weight x density at the last look passed

    def _m(self, bound):
        tp, tk = self.t[self.k - 1], self.t[self.k]
        dt = tk - tp
        return (bound * math.sqrt(tk) - self.z * math.sqrt(tp) - self.drift * dt) / math.sqrt(dt)

    def upper(self, b: float) -> float:
        """P(continue to look k, Z_k >= b) for the current look k."""
        if not np.isfinite(b):
            return 0.0 if b > 0 else self.mass()
        if self.k == 0:
            return float(stats.norm.sf(b - self.drift * math.sqrt(self.t[0])))
        return float(self.g @ stats.norm.sf(self._m(b))) if len(self.g) else 0.0

    def lower(self, a: float) -> float:
        """P(continue to look k, Z_k <= a)."""
        if not np.isfinite(a):
            return 0.0 if a < 0 else self.mass()
        if self.k == 0:
            return float(stats.norm.cdf(a - self.drift * math.sqrt(self.t[0])))
        return float(self.g @ stats.norm.cdf(self._m(a))) if len(self.g) else 0.0

    def mass(self) -> float:
        return 1.0 if self.k == 0 else float(self.g.sum())

    def advance(self, lo: float, hi: float) -> None:
        """Continue past look k on (lo, hi): compute the sub-density there, move to look k + 1."""
        tk = self.t[self.k]
        z, w = _grid(self.drift * math.sqrt(tk), lo, hi)
        if self.k == 0:
            h = stats.norm.pdf(z - self.drift * math.sqrt(tk))
        elif len(self.g) == 0 or len(z) == 0:
            h = np.zeros(len(z))
        else:
            tp = self.t[self.k - 1]
            dt = tk - tp
            m = (z[:, None] * math.sqrt(tk) - self.z[None, :] * math.sqrt(tp) - self.drift * dt) / math.sqrt(dt)
            h = math.sqrt(tk / dt) * (stats.norm.pdf(m) @ self.g)
        self.z, self.g, self.k = z, w * h, self.k + 1


def crossing_probabilities(fractions, upper, lower, drift: float = 0.0) -> pd.DataFrame:
    """Per look: P(stop by crossing the upper / lower bound there) when the mean of Z_k is
    ``drift * sqrt(t_k)``. ``lower`` may hold -inf (no lower bound). Columns upper, lower, stop."""
    rec = _Recursion(fractions, drift)
    up, lo = [], []
    for k, (b, a) in enumerate(zip(upper, lower)):
        up.append(rec.upper(b))
        lo.append(rec.lower(min(a, b)))
        if k < len(fractions) - 1:
            rec.advance(a, b)
    out = pd.DataFrame({"upper": up, "lower": lo})
    out["stop"] = out["upper"] + out["lower"]
    return out


def efficacy_bounds(fractions, alpha: float, sided: int = 1, spending: str = "obf", gamma: float = -4.0) -> np.ndarray:
    """z bounds that spend ``alpha`` (two-sided total when sided = 2) at each look under theta = 0.

    Two-sided designs spend alpha / 2 on each side with the one-sided spending function (the
    gsDesign / rpact convention), so a two-sided 0.05 design has about the bounds of a one-sided
    0.025 one (the chance of crossing the other side first is counted exactly)."""
    cum = sided * spend(spending, alpha / sided, fractions, gamma)
    inc = np.diff(np.r_[0.0, cum])
    rec = _Recursion(fractions, 0.0)
    bounds = []
    for k, a_k in enumerate(inc):
        def spent(b):
            return rec.upper(b) + (rec.lower(-b) if sided == 2 else 0.0) - a_k
        if a_k <= 1e-15:
            b = np.inf
        else:
            b = optimize.brentq(spent, 0.0 if sided == 2 else -8.0, 40.0, xtol=1e-12)
        bounds.append(b)
        if k < len(inc) - 1:
            rec.advance(-b if sided == 2 else -np.inf, b)
    return np.array(bounds)


def _futility_for_drift(fractions, upper, beta: float, drift: float, spending: str, gamma: float):
    """Beta-spending lower bounds under ``drift`` (the last set equal to the last upper bound), and
    the total probability of stopping for futility."""
    inc = np.diff(np.r_[0.0, spend(spending, beta, fractions, gamma)])
    rec = _Recursion(fractions, drift)
    lower, total = [], 0.0
    for k, (b, bk) in enumerate(zip(upper, inc)):
        if k == len(fractions) - 1:
            a = b
        elif bk <= 1e-15:
            a = -np.inf
        elif rec.lower(b) <= bk:  # little mass left below the efficacy bound: the bounds meet
            a = b
        else:
            a = optimize.brentq(lambda x: rec.lower(x) - bk, -40.0, b, xtol=1e-12)
        lower.append(a)
        total += rec.lower(a)
        if k < len(fractions) - 1:
            rec.advance(a, b)
    return np.array(lower), total


@dataclass
class GroupSequentialDesign(ResultMixin):
    """Bounds and operating characteristics of a K-look design (see :func:`group_sequential_design`).

    ``boundaries`` is the data: one row per look with information_fraction, z (efficacy),
    nominal_p, alpha_spent, cumulative_alpha, futility_z (NaN without futility), cumulative
    crossing probabilities under H0 and H1 and the probability of stopping at the look under H1.
    ``drift`` is E[Z] at full information under H1; ``inflation_factor`` = maximum information /
    the fixed design's information at the same alpha and power.
    """

    fractions: list
    alpha: float
    power: float
    sided: int
    spending: str
    gamma: float
    futility: str | None
    futility_gamma: float
    upper: np.ndarray
    lower: np.ndarray
    drift: float
    boundaries: pd.DataFrame
    settings: dict = field(default_factory=dict)

    @property
    def fixed_drift(self) -> float:
        return float(stats.norm.isf(self.alpha / self.sided) + stats.norm.isf(1 - self.power))

    @property
    def inflation_factor(self) -> float:
        return float((self.drift / self.fixed_drift) ** 2)

    def _null_lower(self) -> np.ndarray:
        return -self.upper if self.sided == 2 else np.full(len(self.upper), -np.inf)

    def operating(self, drift: float, futility: bool = True) -> pd.DataFrame:
        """Per-look crossing probabilities at ``drift`` (E[Z] at full information), futility bounds
        obeyed (``futility=True``) or ignored. Columns upper, lower, stop."""
        lower = self.lower if (futility and self.futility) else self._null_lower()
        return crossing_probabilities(self.fractions, self.upper, lower, drift)

    def power_at(self, drift: float) -> float:
        """P(cross an efficacy bound) at ``drift`` (futility obeyed when there is one)."""
        return float(self.operating(drift)["upper"].sum())

    def expected_fraction(self, drift: float) -> float:
        """E[information at stopping] / maximum information at ``drift``."""
        op = self.operating(drift)
        p = op["stop"].to_numpy().copy()
        p[-1] = 1.0 - p[:-1].sum()
        return float(np.dot(p, self.fractions))

    def summary(self) -> pd.DataFrame:
        return self.boundaries

    def to_dict(self) -> dict:
        return {"looks": len(self.fractions), "spending": self.spending, "gamma": self.gamma,
                "futility": self.futility, "alpha": self.alpha, "sided": self.sided, "power": self.power,
                "drift": self.drift, "inflation_factor": self.inflation_factor,
                "expected_information_fraction_h0": self.expected_fraction(0.0),
                "expected_information_fraction_h1": self.expected_fraction(self.drift),
                "boundaries": self.boundaries.to_dict(orient="records")}

    def __str__(self) -> str:
        head = (f"{len(self.fractions)}-look design, {self.spending} spending, alpha {self.alpha} "
                f"({self.sided}-sided), power {self.power}; inflation factor {self.inflation_factor:.4f}")
        return head + "\n" + self.boundaries.to_string(index=False, float_format=lambda v: f"{v:.4f}")

    __repr__ = __str__


def group_sequential_design(fractions=(1 / 3, 2 / 3, 1.0), alpha: float = 0.025, power: float = 0.9, sided: int = 1,
                            spending: str = "obf", gamma: float = -4.0, futility: str | None = None,
                            futility_gamma: float = -2.0) -> GroupSequentialDesign:
    """Lan-DeMets group-sequential design at the given information ``fractions`` (the last one 1).

    spending: "obf", "pocock" or "hsd" (with ``gamma``); futility: None, or the beta-spending
    function ("obf", "pocock", "hsd" with ``futility_gamma``) of non-binding futility bounds
    (one-sided designs only). Exact numerical integration, no simulation.
    """
    fractions = check_fractions(fractions)
    alpha, power, sided = check_alpha_power(alpha, power, sided)
    for name, kind in (("spending", spending), ("futility", futility)):
        if kind is not None and kind not in SPENDING:
            raise UsageError(f"{name}={kind!r} is not one of {', '.join(map(repr, SPENDING))}.")
    if futility and sided == 2:
        raise UsageError("futility bounds need a one-sided design (sided=1): a two-sided test has no 'futile' side.")
    upper = efficacy_bounds(fractions, alpha, sided, spending, gamma)
    null_lower = -upper if sided == 2 else np.full(len(upper), -np.inf)
    beta = 1.0 - power
    if futility:
        drift = optimize.brentq(lambda d: _futility_for_drift(fractions, upper, beta, d, futility, futility_gamma)[1]
                                - beta, 1e-3, 40.0, xtol=1e-10)
        lower, _ = _futility_for_drift(fractions, upper, beta, drift, futility, futility_gamma)
    else:
        drift = optimize.brentq(lambda d: crossing_probabilities(fractions, upper, null_lower, d)["upper"].sum()
                                - power, 1e-3, 40.0, xtol=1e-10)
        lower = null_lower
    h0 = crossing_probabilities(fractions, upper, null_lower, 0.0)
    h1 = crossing_probabilities(fractions, upper, lower, drift)
    h1_eff = h1["upper"].to_numpy()
    h0_eff = h0["upper"].to_numpy() + (h0["lower"].to_numpy() if sided == 2 else 0.0)
    cum_alpha = sided * spend(spending, alpha / sided, fractions, gamma)
    table = pd.DataFrame({
        "look": np.arange(1, len(fractions) + 1), "information_fraction": fractions, "z": upper,
        "nominal_p": sided * stats.norm.sf(upper), "alpha_spent": np.diff(np.r_[0.0, cum_alpha]),
        "cumulative_alpha": cum_alpha,
        "futility_z": lower if futility else np.full(len(upper), np.nan),
        "cumulative_crossing_h0": np.cumsum(h0_eff),
        "cumulative_power_h1": np.cumsum(h1_eff),
        "cumulative_futility_h1": np.cumsum(h1["lower"].to_numpy()) if futility else np.zeros(len(upper)),
        "p_stop_h1": h1["stop"].to_numpy(),
    })
    if futility:
        table.loc[table.index[-1], "p_stop_h1"] = 1.0 - table["p_stop_h1"].iloc[:-1].sum()
    settings = {"fractions": fractions, "grid_r": GRID_R}
    return GroupSequentialDesign(fractions, alpha, power, sided, spending, float(gamma), futility,
                                 float(futility_gamma), upper, np.asarray(lower, float), float(drift), table, settings)
