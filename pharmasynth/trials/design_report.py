"""Figures of the design and simulation reports: boundaries (z vs information) and power curves.

Figures are `matplotlib.figure.Figure`s from `_util.figures.new_figure` (no pyplot).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.figures import new_figure


def boundary_figure(boundaries: pd.DataFrame, sided: int = 1, x: str = "information_fraction", simulated=None):
    """Efficacy (and futility) z bounds against information; ``simulated``: an optional (B, K) array
    of simulated z paths to overlay (a few hundred are drawn)."""
    fig, ax = new_figure(figsize=(6.2, 4))
    xs = boundaries[x].to_numpy(float)
    if simulated is not None and len(simulated):
        for path in simulated[:200]:
            ax.plot(xs, path, color="0.75", lw=0.5, alpha=0.5)
    z = boundaries["z"].to_numpy(float)
    ax.plot(xs, z, "o-", color="C3", lw=2, label="efficacy bound")
    if sided == 2:
        ax.plot(xs, -z, "o-", color="C3", lw=2)
    if "futility_z" in boundaries and boundaries["futility_z"].notna().any():
        ax.plot(xs, boundaries["futility_z"].to_numpy(float), "s--", color="C0", lw=2, label="futility bound (non-binding)")
    for xi, zi in zip(xs, z):
        ax.annotate(f"{zi:.3f}", (xi, zi), textcoords="offset points", xytext=(4, 6), fontsize=8)
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xlabel("events" if x == "events" else "information fraction")
    ax.set_ylabel("z statistic (positive = benefit)")
    ax.legend(fontsize=8)
    return fig


def power_curve_figure(curve: pd.DataFrame, x: str, target_power: float | None = None, simulated: pd.DataFrame | None = None):
    """Power (and, with looks, the fixed design's power) against the true effect; ``simulated``:
    rows x, power, mc_se from a simulation, drawn with +-2 MC SE bars."""
    fig, ax = new_figure(figsize=(6.2, 4))
    for col, style, label in (("power", "-", "group-sequential design"), ("power_fixed", ":", "fixed design, same events")):
        if col in curve:
            ax.plot(curve[x], curve[col], style, lw=2, label=label)
    if simulated is not None and len(simulated):
        ax.errorbar(simulated[x], simulated["power"], yerr=2 * simulated["mc_se"], fmt="o", color="C3",
                    capsize=3, label="simulated (+-2 MC SE)")
    if target_power is not None:
        ax.axhline(target_power, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel({"hr": "true hazard ratio", "effect": "true effect"}.get(x, x))
    ax.set_ylabel("probability of rejecting H0")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    return fig


def stopping_figure(summary: pd.DataFrame, looks: int):
    """Probability of stopping at each look (efficacy or futility), one bar per row of ``summary``
    (labelled true effect / design / analysis)."""
    fig, ax = new_figure(figsize=(6.2, 4))
    width = 0.8 / max(len(summary), 1)
    x = np.arange(1, looks + 1)
    for i, (name, row) in enumerate(summary.iterrows()):
        p = [row.get(f"p_stop_look_{k}", np.nan) for k in x]
        label = " / ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in name) if isinstance(name, tuple) else str(name)
        ax.bar(x + (i - (len(summary) - 1) / 2) * width, p, width, label=label)
    ax.set_xticks(x)
    ax.set_xlabel("look")
    ax.set_ylabel("P(stop at look)")
    ax.legend(fontsize=7)
    return fig


# --------------------------------------------------------------------------------------------
# leads: what a design and a design simulation answer first
# --------------------------------------------------------------------------------------------
def design_lead(design: dict):
    """A design's answer: how many events and patients, how long, at what power (from `TrialDesign.design`)."""
    from ..evaluation.lead import KeyNumber, Lead, format_number

    d = design
    numbers, parts = [], []
    if d.get("events") is not None:
        numbers.append(KeyNumber("events needed", d["events"], note=f"fixed design: {format_number(d.get('events_fixed_design'))}"
                                 if d.get("events_fixed_design") is not None else ""))
        parts.append(f"{format_number(d['events'])} events")
    if d.get("patients") is not None:
        numbers.append(KeyNumber("patients", d["patients"]))
        parts.append(f"{format_number(d['patients'])} patients")
    if d.get("duration") is not None:
        numbers.append(KeyNumber("study duration", d["duration"], unit="days"))
        parts.append(f"about {format_number(d['duration'])} days")
    effect = (f"HR {format_number(d['hazard_ratio'])}" if d.get("hazard_ratio") is not None
              else f"effect {format_number(d.get('effect'))}")
    looks = f" with {d['looks']} looks ({d.get('spending')})" if d.get("looks", 1) and d.get("looks", 1) > 1 else ""
    sentence = (f"To detect {effect} with {format_number(100 * d.get('power', float('nan')), 2)}% power at "
                f"alpha {format_number(d.get('alpha'))} ({d.get('sided', 2)}-sided){looks}, the trial needs "
                + ", ".join(parts) + ".")
    return Lead(sentence, numbers)


def design_simulation_lead(table: pd.DataFrame, settings: dict):
    """A design simulation's answer: the type I error at the null (red when above alpha by more than 2 MC
    SE) and the power at the design effect, per design and analysis (`SurvivalDesignSimulation.table`)."""
    from ..evaluation.lead import KeyNumber, Lead, format_number, grade
    from ..evaluation.metric import wilson_interval

    alpha, power, n = float(settings["alpha"]), settings.get("power"), max(int(settings["n_trials"]), 1)
    flat = table.reset_index()
    level = flat.columns[0]
    null = flat[flat[level] == 1.0]
    alt = flat[flat[level] != 1.0]
    numbers, bad = [], []
    for _, r in null.iterrows():
        ci = wilson_interval(int(round(float(r["rejection_rate"]) * n)), n)
        status = "bad" if ci[0] > alpha else "good"  # the whole CI above alpha, as the metric rows are graded
        label = f"type I error, {r['design']} / {r['analysis']}"
        numbers.append(KeyNumber(label, float(r["rejection_rate"]), ci=ci, status=status,
                                 note=f"alpha {format_number(alpha)}; {n:,} simulated trials"))
        if status == "bad":
            bad.append(label)
    for _, r in alt.iterrows():
        se = float(r.get("mc_se", 0.0) or 0.0)
        status = None if power is None else grade(float(r["rejection_rate"]) + 2 * se, good=power, bad=power - 0.05)
        numbers.append(KeyNumber(f"power at {_effect_name(level)} {format_number(r[level])}, {r['design']} / "
                                 f"{r['analysis']}", float(r["rejection_rate"]), status=status,
                                 note=f"target {format_number(power)}" if power is not None else ""))
    first = alt.iloc[0] if len(alt) else None
    sentence = ("Simulated from the twin, every design keeps its type I error at alpha "
                f"{format_number(alpha)}" if not bad else f"{len(bad)} design(s) exceed alpha {format_number(alpha)}: "
                + "; ".join(bad))
    if first is not None:
        sentence += (f"; at {_effect_name(level)} {format_number(first[level])} the {first['design']} design "
                     f"rejects {format_number(100 * float(first['rejection_rate']), 3)}% of trials"
                     + (f" (target power {format_number(100 * power, 2)}%)" if power is not None else ""))
    return Lead(sentence + ".", numbers)


def _effect_name(level: str) -> str:
    return {"true_hr": "HR", "true_time_ratio": "time ratio", "true_effect": "effect"}.get(level, level.replace("_", " "))
