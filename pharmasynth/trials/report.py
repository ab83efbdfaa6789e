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


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------
def trajectories_figure(df: pd.DataFrame, visits, group: str | None = None, max_patients: int = 60,
                        random_state=0):
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
    ax.set_ylabel("outcome")
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


def km_figure(km: pd.DataFrame, title: str = ""):
    """Kaplan-Meier curves with CI bands from :func:`analysis.km_curves`."""
    fig, ax = new_figure(figsize=(6, 4))
    for i, (g, part) in enumerate(km.groupby("group", sort=True)):
        ax.step(part["time"], part["survival"], where="post", color=f"C{i}", label=str(g))
        ax.fill_between(part["time"], part["ci_low"], part["ci_high"], step="post", color=f"C{i}", alpha=0.2)
    ax.set_xlabel("time")
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


def effects_figure(table: pd.DataFrame, title: str = ""):
    """Forest plot of the analyses' effects with CIs (rows of a results table)."""
    fig, ax = new_figure(figsize=(6, 0.6 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["effect"], y, xerr=[table["effect"] - table["ci_low"], table["ci_high"] - table["effect"]],
                fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_yticks(y, [f"{m} (SE {s:.3g})" for m, s in zip(table["method"], table["se"])])
    ax.set_xlabel("treatment effect")
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
                          notes=f"{int(row['n_trials'])} simulated trials, effect 0; Wilson CI over the simulated trials"))
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
                              direction="lower", bounds=(0.0, 1.5), notes="SE(PROCOVA) / SE(unadjusted)"))
    if survival is not None:
        seen = set()
        for _, row in survival.rows.iterrows():
            name = f"se_ratio_{row['method']}" + ("_score" if "prognostic_score" in row["covariates"] else "")
            if row["method"].endswith(("_adjusted", "_stratified", "_score")) and np.isfinite(row["se_ratio"]) and name not in seen:
                seen.add(name)
                out.append(metric(name, "utility", float(row["se_ratio"]), direction="lower", bounds=(0.0, 1.5),
                                  notes=f"SE({row['method']}) / SE(unadjusted); covariates {row['covariates']}"))
        for name, fit in survival.cox_fits.items():
            if not fit.ph_test.empty:
                out.append(metric(f"ph_test_global_p_{name}", "validity", float(fit.ph_test.loc["GLOBAL", "p_value"]),
                                  direction="higher", bounds=(0.0, 1.0), score=None,
                                  notes="scaled Schoenfeld residuals, rank time; small p = hazards not proportional"))
    return out


def analysis_report(results: list, survival=None, title: str = "pharmasynth trial analysis",
                    meta: dict | None = None, prefix: str = "") -> Report:
    """A Report of the analyses: the estimates table first, a forest plot, the SE ratios, the Cox
    models' terms and PH tests, KM curves, and every warning met."""
    rep = Report(analysis_metrics(results, survival), title=title, meta=dict(meta or {}),
                 group_weights=ANALYSIS_WEIGHTS)
    table = pd.DataFrame([r.to_dict() for r in results])
    if len(table):
        rep.add_table(f"{prefix}Treatment effect estimates (continuous outcome)", table)
        rep.add_figure(f"{prefix}Treatment effect by analysis", effects_figure(table), "Point estimate and CI per "
                       "analysis (OLS with robust SE).", section="analysis")
    if survival is not None:
        level = int(round(100 * (1 - float(survival.rows["alpha"].iloc[0]))))
        rep.add_table(f"{prefix}Time-to-event estimates (tau = {survival.tau:g})", survival.rows.drop(columns=["alpha"]))
        for name, fit in survival.cox_fits.items():
            rep.add_table(f"{prefix}Cox model {name}: terms", fit.terms.reset_index())
            rep.add_table(f"{prefix}Cox model {name}: proportional-hazards test", fit.ph_test.reset_index())
        rep.add_figure(f"{prefix}Kaplan-Meier by arm", km_figure(survival.km), f"Pointwise {level}% CI bands.",
                       section="time to event")
        rep.warnings.extend(w for w in survival.warnings if w not in rep.warnings)
    return rep


def estimates_first_html(html: str, estimates: pd.DataFrame) -> str:
    """The report's HTML with the estimates table (effect, CI, SE ratio vs unadjusted) put first."""
    import html as _html

    cols = [c for c in ["method", "estimand", "effect", "ci_low", "ci_high", "se", "se_ratio", "p_value", "n",
                        "events", "covariates", "strata", "alpha"] if c in estimates.columns]
    table = estimates[cols].to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")
    block = (f"<section><h2>Treatment effect estimates</h2><p>{_html.escape('Every interval at 1 - alpha; se_ratio = SE / SE of the unadjusted estimator of the same estimand family.')}"
             f"</p>{table}</section>")
    marker = html.find("</h1>")
    if marker < 0:
        marker = html.find("<body>")
        return html.replace("<body>", "<body>" + block, 1) if marker >= 0 else block + html
    return html[:marker + 5] + block + html[marker + 5:]
