"""Trial reports: figures (trajectories, predictive bands, KM curves, power curves, effect estimates)
and the metric rows of the trial workflows.

Metric rows: the trial-specific checks go in the "validity" group - predictive-interval
coverage (target = nominal level), type I error (target = alpha) - and "utility" - rho and the
SE reduction of PROCOVA. Each states its direction and bounds where it is computed. Figures are
`matplotlib.figure.Figure`s from `_util.figures.new_figure` (no pyplot, no global state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.figures import new_figure
from .._util.random import as_rng
from ..evaluation.metric import MetricResult, metric, wilson_interval
from ..evaluation.report import Report
from .report_lead import SE_RATIO_BAD, SE_RATIO_GOOD, analysis_lead


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------
def trajectories_figure(df: pd.DataFrame, visits, group: str | None = None, max_patients: int = 60,
                        random_state=0, ylabel: str = "outcome"):
    """Spaghetti plot of the outcome across visits (a random subset of patients), by group."""
    rng = as_rng(random_state)
    fig, ax = new_figure(figsize=(6, 4))
    groups = [(None, df)] if group is None else list(df.groupby(group))
    x = np.arange(len(visits))
    for i, (g, part) in enumerate(groups):
        take = part.iloc[rng.permutation(len(part))[:max_patients]]
        vals = take[list(visits)].to_numpy(float)
        color = f"C{i}"
        for row in vals:
            ax.plot(x, row, color=color, alpha=0.25, lw=0.8)
        ax.plot(x, np.nanmean(part[list(visits)].to_numpy(float), axis=0), color=color, lw=2.5,
                label=f"mean{'' if g is None else f' ({group}={g})'}")
    ax.set_xticks(x, list(visits))
    ax.set_xlabel("visit")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return fig


def predictive_bands_figure(observed, mean, lower80=None, upper80=None, lower95=None, upper95=None,
                            label: str = "outcome"):
    """Held-out patients sorted by the twin's prediction: predictive mean, 80%/95% bands, observed points."""
    observed, mean = np.asarray(observed, float), np.asarray(mean, float)
    order = np.argsort(mean)
    x = np.arange(len(mean))
    fig, ax = new_figure(figsize=(6.5, 4))
    if lower95 is not None:
        ax.fill_between(x, np.asarray(lower95)[order], np.asarray(upper95)[order], color="C0", alpha=0.15,
                        label="95% predictive interval")
    if lower80 is not None:
        ax.fill_between(x, np.asarray(lower80)[order], np.asarray(upper80)[order], color="C0", alpha=0.3,
                        label="80% predictive interval")
    ax.plot(x, mean[order], color="C0", lw=1.5, label="twin prediction")
    ax.scatter(x, observed[order], s=6, color="k", alpha=0.6, label="observed")
    ax.set_xlabel("held-out patients, sorted by prediction")
    ax.set_ylabel(label)
    ax.legend(fontsize=8)
    return fig


def km_figure(km: pd.DataFrame, title: str = "", time_unit: str = ""):
    """Kaplan-Meier curves with CI bands from :func:`analysis.km_curves`."""
    fig, ax = new_figure(figsize=(6, 4))
    for i, (g, part) in enumerate(km.groupby("group", sort=True)):
        ax.step(part["time"], part["survival"], where="post", color=f"C{i}", label=str(g))
        ax.fill_between(part["time"], part["ci_low"], part["ci_high"], step="post", color=f"C{i}", alpha=0.2)
    ax.set_xlabel(f"time ({time_unit})" if time_unit else "time (units of the data)")
    ax.set_ylabel("survival probability")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def power_curves_figure(pc: pd.DataFrame, alpha: float = 0.05):
    """Rejection rate vs effect, one line per design (and per n), with +-2 Monte Carlo SE bars."""
    fig, ax = new_figure(figsize=(6.5, 4))
    styles = ["-", "--", ":", "-."]
    for j, (n, part_n) in enumerate(pc.groupby("n_per_arm")):
        for i, (d, part) in enumerate(part_n.groupby("design", sort=False)):
            part = part.sort_values("effect")
            ax.errorbar(part["effect"], part["rejection_rate"], yerr=2 * part["mc_se"], color=f"C{i}",
                        ls=styles[j % len(styles)], marker="o", ms=3, capsize=2, label=f"{d}, n={n}/arm")
    ax.axhline(alpha, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("true treatment effect")
    ax.set_ylabel("rejection rate (power; type I error at 0)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    return fig


def effects_figure(table: pd.DataFrame, title: str = "", unit: str = ""):
    """Forest plot of the analyses' effects with CIs (rows of a results table)."""
    fig, ax = new_figure(figsize=(6, 0.6 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["effect"], y, xerr=[table["effect"] - table["ci_low"], table["ci_high"] - table["effect"]],
                fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_yticks(y, [f"{m} (SE {s:.3g})" for m, s in zip(table["method"], table["se"])])
    ax.set_xlabel(f"treatment effect ({unit})" if unit else "treatment effect")
    ax.set_title(title)
    return fig


# --------------------------------------------------------------------------------------------
# metric rows
# --------------------------------------------------------------------------------------------
# What a trial report measures: an analysis has no fidelity or privacy rows by design (weight 0 = not part
# of its score, stated in its weights line); a simulation checks error rates only (validity).
ANALYSIS_WEIGHTS = {"fidelity": 0.0, "utility": 0.5, "privacy": 0.0, "validity": 0.5}
SIMULATION_WEIGHTS = {"fidelity": 0.0, "utility": 0.0, "privacy": 0.0, "validity": 1.0}
TWIN_VALIDATION_WEIGHTS = {"fidelity": 1 / 3, "utility": 1 / 3, "privacy": 0.0, "validity": 1 / 3}


# an SE ratio is graded as a gain in precision, not by its share of the bounds (which scored a 21 % SE
# reduction, ratio 0.786, as 0.476): colour and score agree - 0.95 scores 0.8 (good), 1.0 (no gain)
# 0.5 (bad below), ratios up to 0.917 (16 % less variance) score 1, ratios from 1.083 score 0.
SE_RATIO_GRADE = {"good": SE_RATIO_GOOD, "bad": SE_RATIO_BAD}


def se_ratio_score(ratio: float) -> float:
    """The score of an SE ratio (see SE_RATIO_GRADE): linear through (0.95, 0.8) and (1.0, 0.5), clipped to [0, 1]."""
    slope = (0.8 - 0.5) / (SE_RATIO_BAD - SE_RATIO_GOOD)
    return float(min(max(0.8 - slope * (ratio - SE_RATIO_GOOD), 0.0), 1.0))


def coverage_metric(name: str, share: float, n: int, level: float, notes: str | None = None) -> MetricResult:
    """The share of outcomes inside a `level` predictive interval: target = level, Wilson 95% CI."""
    return metric(name, "validity", share, direction="target", target=level, bounds=(0.0, 1.0),
                  ci=wilson_interval(int(round(share * n)), n),
                  notes=notes if notes is not None else f"nominal {level:.0%}; n={n}")


def type_one_error_metrics(designs: pd.DataFrame, alpha: float) -> list[MetricResult]:
    """Per design (rows of `SimulationResult.summary()` at effect 0): the rejection rate, target alpha."""
    out = []
    for design, row in designs.iterrows():
        out.append(metric(f"type_one_error_{design}", "validity", float(row["rejection_rate"]), direction="target",
                          target=alpha, bounds=(0.0, 1.0),
                          ci=wilson_interval(int(round(row["rejection_rate"] * row["n_trials"])), int(row["n_trials"])),
                          notes=f"{int(row['n_trials'])} simulated trials, effect 0; Wilson CI over the simulated trials",
                          details={"grade": {"above_target": "bad"}}))  # a type I error above alpha is red
    return out


def analysis_metrics(results: list, survival=None) -> list[MetricResult]:
    """PROCOVA's worth (rho, SE ratio vs unadjusted), the SE ratio of each adjusted time-to-event
    estimator vs its unadjusted counterpart (utility, lower is better) and the global PH test of
    each Cox model (validity: p-value, higher = no evidence against proportional hazards)."""
    out = []
    unadj = [r for r in results if r.method == "unadjusted"]
    for r in results:
        if r.method == "procova" and "rho" in r.extra:
            out.append(metric(f"rho_prognostic_score_{r.outcome}", "utility", r.extra["rho"], direction="higher",
                              bounds=(-1.0, 1.0), notes="correlation of the twin's prediction with the outcome, "
                              "control arm"))
        if r.method == "procova" and unadj:
            out.append(metric(f"se_ratio_procova_vs_unadjusted_{r.outcome}", "utility", r.se / unadj[0].se,
                              direction="lower", bounds=(0.0, 1.5), score=se_ratio_score(r.se / unadj[0].se),
                              notes="SE(PROCOVA) / SE(unadjusted)",
                              details={"grade": SE_RATIO_GRADE}))
    if survival is not None:
        seen = set()
        for _, row in survival.rows.iterrows():
            name = f"se_ratio_{row['method']}" + ("_score" if "prognostic_score" in row["covariates"] else "")
            if row["method"].endswith(("_adjusted", "_stratified", "_score")) and np.isfinite(row["se_ratio"]) and name not in seen:
                seen.add(name)
                covs = ", ".join(map(str, row["covariates"])) or "none"
                ratio = float(row["se_ratio"])
                if row["method"].startswith("cox"):
                    # an adjusted Cox HR is a conditional estimand (non-collapsible): its SE is not a precision
                    # gain over the marginal HR, so the ratio is shown, neither scored nor coloured
                    out.append(metric(name, "utility", ratio, direction="lower", bounds=(0.0, 1.5), score=None,
                                      notes=f"SE({row['method']}) / SE(unadjusted); covariates: {covs}; a conditional "
                                            "HR (non-collapsible): not a precision gain, reported, not scored"))
                    continue
                out.append(metric(name, "utility", ratio, direction="lower", bounds=(0.0, 1.5),
                                  score=se_ratio_score(ratio), notes=f"SE({row['method']}) / SE(unadjusted); covariates: {covs}",
                                  details={"grade": SE_RATIO_GRADE}))
        for name, fit in survival.cox_fits.items():
            if not fit.ph_test.empty:
                out.append(metric(f"ph_test_global_p_{name}", "validity", float(fit.ph_test.loc["GLOBAL", "p_value"]),
                                  direction="higher", bounds=(0.0, 1.0), score=None,
                                  notes="scaled Schoenfeld residuals, rank time; small p = hazards not proportional"))
    return out


def analysis_report(results: list, survival=None, title: str = "pharmasynth trial analysis",
                    meta: dict | None = None, prefix: str = "") -> Report:
    """A Report of the analyses: the lead (effect, CI, SE ratio, saving: `report_lead.analysis_lead`), the
    estimates table, a forest plot, the SE ratios, the Cox models' terms and PH tests, KM curves, and every
    warning met. `meta["units"]` ({"time": "days", outcome: "cells/mm³"}) labels the axes and columns."""
    units = dict((meta or {}).get("units") or {})
    rep = Report(analysis_metrics(results, survival), title=title, meta=dict(meta or {}),
                 group_weights=ANALYSIS_WEIGHTS)
    rep.lead = analysis_lead(results, survival, units)
    table = pd.DataFrame([r.to_dict() for r in results])
    if len(table):
        unit = units.get(results[0].outcome, "")
        rep.add_table(f"{prefix}Treatment effect estimates (continuous outcome)", table,
                      units={c: unit for c in ("effect", "se", "ci_low", "ci_high")} if unit else None)
        rep.add_figure(f"{prefix}Treatment effect by analysis", effects_figure(table, unit=unit), "Point estimate and CI per "
                       "analysis (OLS with robust SE).", section="analysis")
    if survival is not None:
        level = int(round(100 * (1 - float(survival.rows["alpha"].iloc[0]))))
        tunit = units.get("time", "")
        rep.add_table(f"{prefix}Time-to-event estimates (tau = {survival.tau:g}{' ' + tunit if tunit else ''})",
                      survival.rows.drop(columns=["alpha"]), units={"tau": tunit} if tunit else None,
                      note="effect: HR for Cox rows, a difference for RMST (time units) and survival at τ; "
                           "se_ratio = SE / SE of the unadjusted estimator of the same estimand family")
        for name, fit in survival.cox_fits.items():
            rep.add_table(f"{prefix}Cox model {name}: terms", fit.terms.reset_index())
            rep.add_table(f"{prefix}Cox model {name}: proportional-hazards test", fit.ph_test.reset_index())
        rep.add_figure(f"{prefix}Kaplan-Meier by arm", km_figure(survival.km, time_unit=units.get("time", "")), f"Pointwise {level}% CI bands.",
                       section="time to event")
        rep.warnings.extend(w for w in survival.warnings if w not in rep.warnings)
    return rep


def estimates_first_html(html: str, estimates: pd.DataFrame) -> str:
    """The report's HTML with the estimates table (effect, CI, SE ratio vs unadjusted) right after the
    lead (the answer first, then the numbers it rests on)."""
    from ..evaluation.report_tables import frame_html

    cols = [c for c in ["method", "estimand", "effect", "ci_low", "ci_high", "se", "se_ratio", "p_value", "n",
                        "events", "covariates", "strata", "alpha"] if c in estimates.columns]
    block = ("<section>" + frame_html("Treatment effect estimates", estimates[cols],
                                      note="Every interval at 1 - alpha; se_ratio = SE / SE of the unadjusted "
                                           "estimator of the same estimand family.") + "</section>")
    for marker in ("</section>", "</h1>", "<body>"):  # after the lead, else after the title
        at = html.find(marker)
        if at >= 0:
            return html[:at + len(marker)] + block + html[at + len(marker):]
    return block + html
