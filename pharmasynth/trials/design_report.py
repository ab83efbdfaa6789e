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
