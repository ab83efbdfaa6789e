"""Event-driven sample size: events for a hazard ratio, then patients and study duration.

required_events      Schoenfeld (1983)  d = (z_{1-a/s} + z_{1-b})^2 / (p (1-p) log(HR)^2), p = share treated
                     Freedman (1982)    d = (z_{1-a/s} + z_{1-b})^2 (1 + r HR)^2 / (r (1 - HR)^2), r = n_t / n_c
ControlHazard        the control arm's event-time distribution: exponential, piecewise exponential,
                     or a mixture of Weibulls (one per pool patient, e.g. from a digital twin)
expected_events      Lachin & Foulkes (1986)-style expected events per patient at calendar time T:
                     uniform accrual over [0, A], exponential dropout, proportional hazards in the
                     treated arm; the integrals are done numerically on a fine grid
accrual_plan         solve for patients, accrual duration or study duration given the others
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from ...errors import UsageError
from .checks import check_alpha_power, check_hazard_ratio, check_positive

EVENT_METHODS = ("schoenfeld", "freedman")


def required_events(hr: float, alpha: float = 0.05, power: float = 0.9, sided: int = 2, ratio: float = 1.0,
                    method: str = "schoenfeld") -> float:
    """Events (not rounded) a log-rank test needs to detect ``hr`` with ``power`` at ``alpha``.

    ``ratio`` = n_treated / n_control. Round up (``math.ceil``) for the design. With unequal
    allocation neither is exact (simulated, HR 0.6, 2:1, stated power 0.85: Schoenfeld's events
    give 0.87, Freedman's 0.83-0.84); check such a design with ``simulate_design``.
    """
    hr = check_hazard_ratio(hr)
    alpha, power, sided = check_alpha_power(alpha, power, sided)
    ratio = check_positive("ratio", ratio)
    z = stats.norm.isf(alpha / sided) + stats.norm.isf(1 - power)
    if method == "schoenfeld":
        p = ratio / (1 + ratio)
        return float(z**2 / (p * (1 - p) * math.log(hr) ** 2))
    if method == "freedman":
        return float(z**2 * (1 + ratio * hr) ** 2 / (ratio * (1 - hr) ** 2))
    raise UsageError(f"method={method!r} is not one of {', '.join(map(repr, EVENT_METHODS))}.")


@dataclass
class ControlHazard:
    """The control arm's event-time distribution, as cumulative hazards of equally weighted components.

    Build it with :meth:`exponential`, :meth:`piecewise` or :meth:`weibull_mixture`.
    """

    kind: str
    rates: np.ndarray            # piecewise: the hazard on each interval; exponential: one rate
    breaks: np.ndarray           # piecewise: interval starts (first 0)
    scales: np.ndarray | None = None  # Weibull mixture: one scale per component
    shape: float | None = None
    _curves: dict = field(default_factory=dict, repr=False, compare=False)  # event_probability's cache

    @classmethod
    def exponential(cls, rate: float | None = None, median: float | None = None) -> "ControlHazard":
        if (rate is None) == (median is None):
            raise UsageError("give the control arm's hazard rate or its median survival time, not both.")
        rate = check_positive("control hazard", rate) if rate is not None else math.log(2) / check_positive(
            "control median", median)
        return cls("exponential", np.array([rate]), np.array([0.0]))

    @classmethod
    def piecewise(cls, breaks, rates) -> "ControlHazard":
        breaks, rates = np.asarray(breaks, float), np.asarray(rates, float)
        if len(breaks) != len(rates) or breaks[0] != 0 or np.any(np.diff(breaks) <= 0):
            raise UsageError("piecewise hazard: one rate per interval, the interval starts increasing from 0; got "
                             f"starts {breaks.tolist()}, rates {rates.tolist()}.")
        if np.any(~np.isfinite(rates)) or np.any(rates <= 0):
            raise UsageError(f"piecewise hazard rates must be positive; got {rates.tolist()}.")
        return cls("piecewise", rates, breaks)

    @classmethod
    def weibull_mixture(cls, scales, shape: float) -> "ControlHazard":
        scales = np.asarray(scales, float)
        if len(scales) == 0 or np.any(~np.isfinite(scales)) or np.any(scales <= 0) or not shape > 0:
            raise UsageError("Weibull mixture: positive scales and shape needed.")
        return cls("weibull", np.array([]), np.array([0.0]), scales, float(shape))

    def cumulative_hazard(self, t: np.ndarray) -> np.ndarray:
        """(components, len(t)) cumulative hazards."""
        t = np.asarray(t, float)
        if self.kind == "weibull":
            return (t[None, :] / self.scales[:, None]) ** self.shape
        ends = np.r_[self.breaks[1:], np.inf]
        exposure = np.clip(t[:, None] - self.breaks[None, :], 0, None)
        exposure = np.minimum(exposure, (ends - self.breaks)[None, :])
        return (exposure @ self.rates)[None, :]

    def survival(self, t, hr: float = 1.0) -> np.ndarray:
        """Marginal survival (mean over components) under proportional hazards ``hr``."""
        return np.exp(-hr * self.cumulative_hazard(t)).mean(axis=0)

    def median(self, hr: float = 1.0) -> float:
        f = lambda t: float(self.survival(np.array([t]), hr)[0]) - 0.5  # noqa: E731
        hi = 1.0
        while f(hi) > 0:
            hi *= 2
            if hi > 1e12:
                return math.inf
        return optimize.brentq(f, 0.0, hi, xtol=1e-10 * hi)

    def to_dict(self) -> dict:
        out = {"kind": self.kind}
        if self.kind == "weibull":
            out.update(shape=self.shape, n_components=len(self.scales), median=self.median())
        else:
            out.update(rates=self.rates.tolist(), interval_starts=self.breaks.tolist(), median=self.median())
        return out


def dropout_hazard(probability: float = 0.0, by_time: float = 1.0) -> float:
    """Exponential dropout hazard from 'a share ``probability`` is lost by time ``by_time``'."""
    if probability == 0:
        return 0.0
    if not 0 < probability < 1:
        raise UsageError(f"dropout probability must lie in [0, 1); got {probability}.")
    return -math.log1p(-probability) / check_positive("dropout time", by_time)


def event_probability(hazard: ControlHazard, follow_up, hr: float = 1.0, dropout: float = 0.0,
                      n_grid: int = 4000) -> np.ndarray:
    """P(event observed within follow-up f) = int_0^f e^{-eta s} dF(s), for each f in ``follow_up``.

    The curve is computed once per (hr, dropout) on a grid of ``n_grid`` steps up to the longest
    follow-up asked so far and kept on the hazard (a twin's mixture has thousands of components,
    and the duration search asks for it many times)."""
    follow_up = np.atleast_1d(np.asarray(follow_up, float))
    top = max(float(follow_up.max()), 1e-12)
    key = (float(hr), float(dropout), int(n_grid))
    cached = hazard._curves.get(key)
    if cached is None or cached[0][-1] < top:
        s = np.linspace(0.0, top * 1.5 if cached is not None else top, n_grid + 1)
        surv = hazard.survival(s, hr)
        mid = (s[:-1] + s[1:]) / 2
        cached = (s, np.r_[0.0, np.cumsum((surv[:-1] - surv[1:]) * np.exp(-dropout * mid))])
        hazard._curves[key] = cached
    return np.interp(np.clip(follow_up, 0, None), *cached)


def expected_events(hazard: ControlHazard, hr: float, n_patients: float, accrual_duration: float,
                    calendar_time, ratio: float = 1.0, dropout: float = 0.0, n_grid: int = 400) -> np.ndarray:
    """Expected events (both arms) by ``calendar_time`` with uniform accrual of ``n_patients`` over
    [0, accrual_duration]: N / A int_0^min(A,T) [p_c P_c(T-u) + p_t P_t(T-u)] du."""
    T = np.atleast_1d(np.asarray(calendar_time, float))
    p_t = ratio / (1 + ratio)
    out = np.empty(len(T))
    for i, tt in enumerate(T):
        upto = min(accrual_duration, tt)
        if upto <= 0:
            out[i] = 0.0
            continue
        u = np.linspace(0.0, upto, n_grid + 1)
        f = tt - u
        per = (1 - p_t) * event_probability(hazard, f, 1.0, dropout) + p_t * event_probability(hazard, f, hr, dropout)
        out[i] = n_patients / accrual_duration * np.trapezoid(per, u)
    return out


def _time_for_events(hazard, hr, n, A, target, ratio, dropout) -> float:
    """Calendar time at which ``target`` events are expected; inf when never."""
    f = lambda T: float(expected_events(hazard, hr, n, A, [T], ratio, dropout)[0]) - target  # noqa: E731
    hi = max(A, 1e-9) * 2
    while f(hi) < 0:
        hi *= 2
        if hi > 1e4 * max(A, hazard.median(), 1.0):
            return math.inf
    return optimize.brentq(f, 0.0, hi, xtol=1e-8 * hi)


def accrual_plan(events: float, hazard: ControlHazard, hr: float, *, ratio: float = 1.0, accrual_rate=None,
                 accrual_duration=None, patients=None, follow_up=None, dropout: float = 0.0) -> dict:
    """Patients, accrual duration and study duration that make ``events`` expected at the end.

    Give two of: accrual_rate, accrual_duration, patients, follow_up (minimum follow-up after the
    last patient enters). Returns patients (rounded up to a whole number, shared by ratio),
    accrual_duration, accrual_rate, duration (calendar time of the final analysis), follow_up.
    """
    given = {k: v for k, v in dict(accrual_rate=accrual_rate, accrual_duration=accrual_duration, patients=patients,
                                   follow_up=follow_up).items() if v is not None}
    for k, v in given.items():
        if k == "follow_up":
            if not (math.isfinite(float(v)) and float(v) >= 0):
                raise UsageError(f"follow_up must be >= 0; got {v!r}.")
        else:
            check_positive(k, v)
    if len(given) != 2:
        raise UsageError("give exactly two of accrual rate, accrual duration, patients and follow-up to size a trial; "
                         f"got {sorted(given) or 'none'}.")
    R, A, N, F = accrual_rate, accrual_duration, patients, follow_up
    if N is None and F is not None:
        if A is not None:
            N = events / float(expected_events(hazard, hr, 1.0, A, [A + F], ratio, dropout)[0])
        else:  # rate and follow-up: the accrual duration that gives the events
            g = lambda a: R * a * float(expected_events(hazard, hr, 1.0, a, [a + F], ratio, dropout)[0]) - events  # noqa: E731
            hi = max(events / R, 1e-9)
            while g(hi) < 0:
                hi *= 2
            A = optimize.brentq(g, 1e-9, hi, xtol=1e-9 * hi)
            N = R * A
    else:
        if N is None:
            N = R * A
        elif A is None:
            A = N / (R if R is not None else None)
        if F is not None:  # patients and follow-up: accrual duration not determined by them
            raise UsageError("with patients and follow-up, also give the accrual rate or duration (give two of the "
                             "four, not patients + follow-up).")
    N = int(math.ceil(N - 1e-9))
    A = A if A is not None else N / R
    T = _time_for_events(hazard, hr, N, A, events, ratio, dropout)
    if not math.isfinite(T):
        cap = float(expected_events(hazard, hr, N, A, [1e4 * max(A, 1.0)], ratio, dropout)[0])
        raise UsageError(f"{N} patients never give {events:.0f} expected events (at most about {cap:.0f} with this "
                         "hazard and dropout): enrol more patients or accrue longer.")
    return {"patients": N, "patients_control": int(round(N / (1 + ratio))),
            "patients_treated": N - int(round(N / (1 + ratio))), "accrual_duration": float(A),
            "accrual_rate": float(N / A), "duration": float(T), "follow_up": float(max(T - A, 0.0)),
            "dropout_hazard": float(dropout)}


def look_times(events_at_looks, hazard, hr, plan: dict, ratio: float = 1.0) -> list[float]:
    """Expected calendar time of each event-driven look."""
    return [_time_for_events(hazard, hr, plan["patients"], plan["accrual_duration"], d, ratio, plan["dropout_hazard"])
            for d in events_at_looks]
