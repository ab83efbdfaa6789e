"""`design_trial`: how many events, patients and how long, and when to stop early - one call.

    res = design_trial("survival", hr=0.7, alpha=0.05, sided=2, power=0.9)         # 331 events
    res = design_trial("survival", hr=0.7, looks=3, spending="obf", control_median=12,
                       accrual_rate=20, follow_up=12)                                # + boundaries, patients
    res = design_trial("continuous", effect=5, sd=20, rho=0.6, method="t")           # PROCOVA vs unadjusted
    res.summary(); res.boundaries; res.to_dict(); res.write("out/design")           # design.json + report.html
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.atomic import atomic_write_json
from .._util.results import ResultMixin
from ..errors import UsageError
from .design_report import design_lead
from .design.checks import check_alpha_power, check_hazard_ratio, check_positive
from .design.continuous import sample_size_procova
from .design.events import (ControlHazard, accrual_plan, dropout_hazard, look_times,
                            required_events)
from .design.group_sequential import GroupSequentialDesign, group_sequential_design
from .design_report import boundary_figure, power_curve_figure

ENDPOINTS = ("survival", "continuous")


@dataclass
class DesignResult(ResultMixin):
    """A trial design: ``design`` (the JSON document), ``boundaries`` (one row per look, or None),
    ``sample_size`` (continuous endpoint: one row per analysis), the group-sequential object ``gsd``
    and the ``power_curve`` table. ``summary()`` is the headline as a DataFrame."""

    endpoint: str
    design: dict
    gsd: GroupSequentialDesign
    boundaries: pd.DataFrame | None
    sample_size: pd.DataFrame | None
    power_curve: pd.DataFrame
    hazard: ControlHazard | None = None
    meta: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        keys = [k for k, v in self.design.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)]
        return pd.DataFrame({"value": [self.design[k] for k in keys]}, index=pd.Index(keys, name="quantity"))

    def to_dict(self) -> dict:
        return {**self.meta, **self.design}

    def report(self):
        from ..evaluation.metric import GROUPS
        from ..evaluation.report import Report

        rep = Report(title=f"Trial design ({self.endpoint} endpoint)", meta=dict(self.meta),
                     group_weights=dict.fromkeys(GROUPS, 0.0))
        rep.add_table("Design", self.summary().reset_index())
        if self.sample_size is not None:
            rep.add_table("Sample size per analysis", self.sample_size.reset_index())
        if self.boundaries is not None:
            rep.add_table("Boundaries", self.boundaries)
            rep.add_figure("Boundaries", boundary_figure(self.boundaries, self.gsd.sided),
                           "Efficacy z bound at each look (exact recursive integration, Lan-DeMets spending).",
                           section="design")
        x = "hr" if self.endpoint == "survival" else "effect"
        rep.add_figure("Power curve", power_curve_figure(self.power_curve, x, self.gsd.power),
                       "Power against the true effect at the design's maximum events / patients.", section="design")
        rep.lead = design_lead(self.design)
        return rep

    def write(self, out_dir) -> dict[str, Path]:
        """OUT/design.json (`to_dict`) and OUT/report.html + OUT/report.json."""
        out = Path(out_dir)
        rep = self.report()
        atomic_write_json(out / "design.json", self.to_dict())
        return {"design": out / "design.json", **rep.write(out, "report")}

    def __str__(self) -> str:
        text = self.summary().to_string()
        if self.sample_size is not None:
            text += "\n\n" + self.sample_size.to_string(float_format=lambda v: f"{v:.4f}")
        if self.boundaries is not None:
            cols = [c for c in ("look", "information_fraction", "events", "z", "nominal_p", "cumulative_alpha",
                                "futility_z", "expected_time") if c in self.boundaries]
            text += "\n\n" + self.boundaries[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}")
        return text

    __repr__ = __str__


def _control_hazard(control_median, control_hazard, hazard_breaks, twin, pool) -> ControlHazard | None:
    if twin is not None:
        from .survival_simulation import twin_control_hazard

        if pool is None:
            raise UsageError("a twin's control hazard needs the baseline pool of patients (pool=).")
        return twin_control_hazard(twin, pool.reset_index(drop=True))[0]
    if hazard_breaks is not None:
        if control_hazard is None:
            raise UsageError("piecewise hazard: give the rates (control_hazard=[...]) with the interval starts.")
        return ControlHazard.piecewise(hazard_breaks, np.atleast_1d(control_hazard))
    if control_median is None and control_hazard is None:
        return None
    rate = None if control_hazard is None else float(np.atleast_1d(control_hazard)[0])
    if control_hazard is not None and np.size(control_hazard) > 1:
        raise UsageError("several control hazard rates need their interval starts (hazard_breaks=).")
    return ControlHazard.exponential(rate=rate, median=control_median)


def _drift_for_hr(hr, events, ratio):
    p = ratio / (1 + ratio)
    return abs(math.log(hr)) * math.sqrt(events * p * (1 - p))


def design_trial(endpoint: str = "survival", *, alpha: float = 0.05, power: float = 0.9, sided: int = 2,
                 ratio: float = 1.0, hr: float | None = None, events_method: str = "schoenfeld",
                 control_median: float | None = None, control_hazard=None, hazard_breaks=None, twin=None, pool=None,
                 accrual_rate: float | None = None, accrual_duration: float | None = None, patients: int | None = None,
                 follow_up: float | None = None, dropout: float = 0.0, dropout_time: float = 1.0,
                 effect: float | None = None, sd: float | None = None, rho: float = 0.0, rho_n: int | None = None,
                 method: str = "normal", looks: int = 1, fractions=None, spending: str = "obf", gamma: float = -4.0,
                 futility: str | None = None, futility_gamma: float = -2.0, meta: dict | None = None) -> DesignResult:
    """Design a two-arm trial (see the module docstring).

    survival: ``hr`` (treated / control hazard), events by ``events_method`` ("schoenfeld" or
    "freedman"); with a control hazard (``control_median`` or ``control_hazard`` rate, piecewise
    with ``hazard_breaks``, or a ``twin`` + ``pool``) and two of ``accrual_rate``,
    ``accrual_duration``, ``patients``, ``follow_up``: patients and duration. ``dropout`` is the
    share lost to follow-up by ``dropout_time`` (exponential). continuous: ``effect``, ``sd``,
    ``rho`` (PROCOVA; ``rho_n`` if estimated), ``method`` "normal" or "t".
    ``looks`` > 1: a group-sequential design at ``fractions`` (default equally spaced) with
    Lan-DeMets ``spending`` ("obf", "pocock", "hsd" with ``gamma``) and optional non-binding
    ``futility`` beta-spending; the maximum events / patients are inflated by its inflation factor.
    """
    if endpoint not in ENDPOINTS:
        raise UsageError(f"endpoint={endpoint!r} is not one of {', '.join(map(repr, ENDPOINTS))}.")
    alpha, power, sided = check_alpha_power(alpha, power, sided)
    ratio = check_positive("allocation ratio", ratio)
    if int(looks) != looks or looks < 1:
        raise UsageError(f"looks must be a whole number >= 1; got {looks!r}.")
    looks = int(looks)
    if fractions is not None and looks == 1 and len(fractions) > 1:
        looks = len(fractions)  # the fractions say how many looks
    fractions = list(fractions) if fractions is not None else [k / looks for k in range(1, looks + 1)]
    if len(fractions) != looks:
        raise UsageError(f"{looks} looks but {len(fractions)} information fractions ({fractions}).")
    gsd = group_sequential_design(fractions, alpha, power, sided, spending, gamma, futility, futility_gamma)
    common = {"alpha": alpha, "sided": sided, "power": power, "allocation_ratio": ratio, "looks": looks}
    if looks > 1:
        common.update(spending=spending, gamma=gamma if spending == "hsd" else None, futility=futility,
                      inflation_factor=gsd.inflation_factor)
    if endpoint == "continuous":
        return _design_continuous(gsd, common, effect, sd, rho, rho_n, method, dict(meta or {}))
    if hr is None:
        raise UsageError("a survival design needs the hazard ratio to detect (hr=, --hr).")
    hr = check_hazard_ratio(hr)
    d_fixed = required_events(hr, alpha, power, sided, ratio, events_method)
    d_max = math.ceil(d_fixed * gsd.inflation_factor - 1e-9)
    events_at = [max(1, math.ceil(t * d_max - 1e-9)) for t in fractions]
    doc = {"endpoint": "survival", "hazard_ratio": hr, "events_method": events_method, **common, "events": d_max,
           "events_fixed_design": math.ceil(d_fixed - 1e-9), "events_unrounded": d_fixed * gsd.inflation_factor}
    if looks > 1:
        doc["expected_events_h0"] = gsd.expected_fraction(0.0) * d_max
        doc["expected_events_h1"] = gsd.expected_fraction(_drift_for_hr(hr, d_max, ratio)) * d_max
    hazard = _control_hazard(control_median, control_hazard, hazard_breaks, twin, pool)
    eta = dropout_hazard(dropout, dropout_time)
    times = None
    if hazard is not None and any(v is not None for v in (accrual_rate, accrual_duration, patients, follow_up)):
        plan = accrual_plan(d_max, hazard, hr, ratio=ratio, accrual_rate=accrual_rate,
                            accrual_duration=accrual_duration, patients=patients, follow_up=follow_up, dropout=eta)
        doc.update(plan)
        doc["control_hazard"] = hazard.to_dict()
        doc["dropout"] = {"probability": dropout, "by_time": dropout_time, "hazard": eta}
        times = look_times(events_at, hazard, hr, plan, ratio)
        if looks > 1:
            doc["expected_duration_h0"] = float(np.dot(_stop_probs(gsd, 0.0), times))
            doc["expected_duration_h1"] = float(np.dot(_stop_probs(gsd, _drift_for_hr(hr, d_max, ratio)), times))
    elif any(v is not None for v in (accrual_rate, accrual_duration, patients, follow_up)):
        raise UsageError("patients and duration need the control arm's hazard: give control_median / control_hazard "
                         "(--control-median, --control-hazard) or a twin and its pool (--twin, --pool).")
    boundaries = None
    if looks > 1:
        boundaries = gsd.boundaries.copy()
        boundaries.insert(2, "events", events_at)
        if times is not None:
            boundaries["expected_time"] = times
        doc["boundaries"] = boundaries.to_dict(orient="records")
    hrs = np.unique(np.r_[np.linspace(min(hr, 1 / hr) * 0.85, 1.0, 25), hr])
    curve = pd.DataFrame({"hr": hrs,
                          "power": [gsd.power_at(np.sign(math.log(hr) * math.log(h)) * _drift_for_hr(h, d_max, ratio))
                                    if h != 1 else gsd.power_at(0.0) for h in hrs]})
    if looks > 1:
        fixed = group_sequential_design([1.0], alpha, power, sided)
        curve["power_fixed"] = [fixed.power_at(np.sign(math.log(hr) * math.log(h)) * _drift_for_hr(h, d_max, ratio))
                                if h != 1 else fixed.power_at(0.0) for h in hrs]
    doc["power_at_design"] = gsd.power_at(_drift_for_hr(hr, d_max, ratio))
    return DesignResult("survival", doc, gsd, boundaries, None, curve, hazard, dict(meta or {}))


def _stop_probs(gsd: GroupSequentialDesign, drift: float) -> np.ndarray:
    p = gsd.operating(drift)["stop"].to_numpy().copy()
    p[-1] = 1.0 - p[:-1].sum()
    return p


def _design_continuous(gsd, common, effect, sd, rho, rho_n, method, meta) -> DesignResult:
    if effect is None or sd is None:
        raise UsageError("a continuous design needs the effect to detect and the outcome's SD (effect=, sd=; "
                         "--effect, --sd).")
    table = sample_size_procova(effect, sd, rho, common["alpha"], common["power"], common["allocation_ratio"],
                                common["sided"], method, rho_n)
    if common["looks"] > 1:
        f = gsd.inflation_factor
        for col in ("n_control", "n_treated"):
            table[f"{col}_max"] = np.ceil(table[col] * f - 1e-9).astype(int)
        table["n_total_max"] = table["n_control_max"] + table["n_treated_max"]
        table["expected_n_total_h1"] = table["n_total_max"] * gsd.expected_fraction(gsd.drift)
        table["expected_n_total_h0"] = table["n_total_max"] * gsd.expected_fraction(0.0)
    doc = {"endpoint": "continuous", "effect": float(effect), "sd": float(sd), "rho": float(rho),
           "rho_design": table.attrs["rho_design"], "method": method, **common,
           "patients": int(table.loc["unadjusted", "n_total_max" if common["looks"] > 1 else "n_total"]),
           "patients_procova": int(table.loc["procova", "n_total_max" if common["looks"] > 1 else "n_total"]),
           "sample_size": table.reset_index().to_dict(orient="records")}
    boundaries = None
    if common["looks"] > 1:
        boundaries = gsd.boundaries.copy()
        doc["boundaries"] = boundaries.to_dict(orient="records")
    row = table.loc["unadjusted"]
    n_c = row.get("n_control_max", row["n_control"])
    n_t = row.get("n_treated_max", row["n_treated"])
    effects = np.linspace(0, 1.5 * abs(effect), 25)
    se = sd * math.sqrt(1 / n_c + 1 / n_t)
    curve = pd.DataFrame({"effect": effects, "power": [gsd.power_at(e / se) for e in effects]})
    return DesignResult("continuous", doc, gsd, boundaries, table, curve, None, meta)
