"""The trials demo: PROCOVA on ACTG 175, the time-to-event path on GBSG2, and a trial simulation.

ACTG 175 (continuous outcome cd420, CD4 count at ~20 weeks):
  * the ZDV-only patients (arms == 0) are split at random in half: one half are the "historical
    controls" the DigitalTwin (model="linear") is fitted on, the other half the trial's concurrent
    control arm;
  * the trial is ZDV+ddI (arms == 1) vs those concurrent controls, analysed (`analyze_trial`)
    unadjusted, by ANCOVA on baseline CD4 (cd40), and by PROCOVA (the twin's predicted cd420 as
    covariate);
  * on the held-out (concurrent) controls: rho = corr(prediction, outcome) and the coverage of the
    twin's 80% and 95% predictive intervals (`visit_accuracy`); the SE reduction, effective sample
    size gained, and `sample_size_procova` at the observed rho.
GBSG2 (recurrence-free survival, horTh yes vs no): a Cox prognostic model fitted on a random
half of the untreated patients; on the rest (`analyze_trial`): KM by arm, log-rank (plain and
score-adjusted), Cox with and without the prognostic score, RMST and survival at 5 years
(unadjusted and score-adjusted).
Simulation (`simulate_designs`): trials of ACTG 175-like patients drawn from the twin: type I
error and power of the unadjusted, PROCOVA and synthetic-control designs, plus a drift scenario
(biased twin).

Writes out_dir/analysis.json, out_dir/simulation.json, out_dir/report.html + report.json.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ExtrapolationWarning
from ..evaluation import Report
from ..evaluation.lead import Lead, format_number
from ..trials.design_report import design_lead, design_simulation_lead
from ..trials.report_lead import type_one_error_numbers
from ..trials import (ACTG175_BASELINE, DigitalTwin, analyze_trial, coverage_metric, design_trial, simulate_design,
                      load_actg175, load_gbsg2, predictive_bands_figure, sample_size_procova, simulate_designs,
                      simulate_trials, trajectories_figure, visit_accuracy)

OUTCOME = "cd420"
CD4_UNIT = "cells/mm³"
VISITS = ["cd420", "cd496"]


def _write_json(path: Path, doc: dict) -> None:
    """Atomically, NaN as null (e.g. the CI of a log-rank row)."""
    from .._util.atomic import atomic_write_json

    atomic_write_json(path, doc)


def _actg175(report, random_state: int, leads: dict) -> tuple[dict, object, pd.DataFrame]:
    df = load_actg175()
    rng = np.random.default_rng(random_state)
    ctrl = df[df["arms"] == 0]
    perm = rng.permutation(len(ctrl))
    hist = ctrl.iloc[perm[: len(ctrl) // 2]]
    concurrent = ctrl.iloc[perm[len(ctrl) // 2:]]
    treated = df[df["arms"] == 1]
    trial = pd.concat([treated, concurrent]).reset_index(drop=True)
    baseline = list(ACTG175_BASELINE)
    t0 = time.perf_counter()
    twin = DigitalTwin(baseline=baseline, visits=VISITS, time="days", event="cens", model="linear",
                       random_state=random_state).fit(hist)
    fit_s = time.perf_counter() - t0
    twin_kind = "DigitalTwin(model='linear')"

    analysis = analyze_trial(trial, treatment="arms", outcome=OUTCOME, twin=twin, covariates=["cd40"], treated=1,
                             control=0, meta={"units": {OUTCOME: CD4_UNIT}})
    doc = analysis.to_dict()

    held = concurrent.reset_index(drop=True)
    acc = visit_accuracy(twin, held, levels=(0.8, 0.95)).set_index("visit").loc[OUTCOME]
    rho, n_obs = float(acc["rho"]), int(acc["n"])
    pred = twin.predict(held)[OUTCOME].to_numpy(float)
    iv80, iv95 = (twin.predict_interval(held, lev) for lev in (0.8, 0.95))
    sd = float(hist[OUTCOME].std())
    ss = sample_size_procova(effect=50.0, sd=sd, rho=rho, alpha=0.05, power=0.8)

    report.merge(analysis.report)
    leads["actg175"] = analysis.report.lead
    report.add(coverage_metric("twin_coverage_80_cd420", acc["coverage_80"], n_obs, 0.80),
               coverage_metric("twin_coverage_95_cd420", acc["coverage_95"], n_obs, 0.95))
    report.add_figure("ACTG 175: CD4 trajectories by arm", trajectories_figure(
        trial.assign(arm=trial["arms"].map({0: "ZDV", 1: "ZDV+ddI"})), ["cd40", "cd420", "cd496"], group="arm",
        random_state=random_state, ylabel=f"CD4 count ({CD4_UNIT})"), "Thin lines: 60 random patients per arm; thick: arm mean (cd496 has gaps).",
        section="ACTG 175")
    lower, upper = f"{OUTCOME}_lower", f"{OUTCOME}_upper"
    report.add_figure("ACTG 175: twin predictive bands on held-out controls", predictive_bands_figure(
        held[OUTCOME].to_numpy(float), pred, iv80[lower], iv80[upper], iv95[lower], iv95[upper],
        label=f"CD4 at 20 weeks, cd420 ({CD4_UNIT})"),
        f"{twin_kind} fitted on {len(hist)} historical ZDV patients; {len(held)} held-out ZDV patients. "
        f"Coverage 80%: {acc['coverage_80']:.3f}, 95%: {acc['coverage_95']:.3f}; rho = {rho:.3f}.", section="ACTG 175")
    report.add_table(f"ACTG 175: sample size at the observed rho (effect 50 {CD4_UNIT}, power 80%)", ss.reset_index(),
                     units={"n_control": "patients", "n_treated": "patients", "n_total": "patients"})

    out = {"trial": "ACTG 175: ZDV+ddI (arms=1) vs ZDV (arms=0) concurrent half", "outcome": OUTCOME,
           "twin": twin_kind, "twin_fit_seconds": round(fit_s, 2), "n_historical_controls": len(hist),
           "n_concurrent_controls": len(concurrent), "n_treated": len(treated),
           "analyses": doc["analyses"], "se_reduction": doc["se_reduction"], "rho_heldout_controls": rho,
           "coverage_80": float(acc["coverage_80"]), "coverage_95": float(acc["coverage_95"]),
           "effective_sample_size": doc["effective_sample_size"],
           "sample_size_procova": {"settings": dict(ss.attrs), "designs": ss.reset_index().to_dict(orient="records")}}
    pool = df[baseline].dropna().reset_index(drop=True)
    return out, twin, pool


def _gbsg2(report, random_state: int, leads: dict) -> dict:
    from lifelines import CoxPHFitter

    df = load_gbsg2()
    rng = np.random.default_rng(random_state + 1)
    X = pd.get_dummies(df[["age", "menostat", "tsize", "tgrade", "pnodes", "progrec", "estrec"]],
                       drop_first=True, dtype=float)
    X[["pnodes", "progrec", "estrec"]] = np.log1p(X[["pnodes", "progrec", "estrec"]])
    untreated = np.flatnonzero(df["horTh"].to_numpy() == "no")
    hist_idx = rng.permutation(untreated)[: len(untreated) // 2]
    is_hist = np.zeros(len(df), bool)
    is_hist[hist_idx] = True
    cph = CoxPHFitter(penalizer=0.01).fit(pd.concat([X[is_hist], df.loc[is_hist, ["time", "cens"]]], axis=1),
                                          "time", "cens")
    rest = df[~is_hist].reset_index(drop=True)
    score = np.log(cph.predict_partial_hazard(X[~is_hist]).to_numpy(float))
    analysis = analyze_trial(rest, treatment="horTh", time="time", event="cens", score=score, tau=1825.0,
                             label="GBSG2", meta={"units": {"time": "days"}})
    report.merge(analysis.report)
    leads["gbsg2"] = analysis.report.lead
    rows = analysis.table()
    by = {(r["method"], "prognostic_score" in r["covariates"]): r for r in rows.to_dict(orient="records")}
    fits = analysis.survival.cox_fits
    return {"trial": "GBSG2: horTh yes vs no (recurrence-free survival)", "n_prognostic_model": int(is_hist.sum()),
            "n_analysed": len(rest), "tau": analysis.survival.tau, "analyses": rows.to_dict(orient="records"),
            "logrank": by[("logrank", False)], "cox_treatment_only": by[("cox", False)],
            "cox_with_prognostic_score": by[("cox_score", True)],
            "prognostic_model_concordance_heldout": fits["cox_score"].concordance,
            "rmst_5y": by[("rmst", False)], "rmst_5y_score_adjusted": by[("rmst_adjusted", True)],
            "note": "the Cox HR with the score is a conditional estimand (non-collapsible) and its SE does not "
                    "shrink; the score-adjusted RMST keeps the marginal estimand and its SE does."}


def _simulate(report, twin, pool, actg: dict, random_state: int, quick: bool):
    """Type I error and power of the three designs from the twin, and the same at effect 0 under drift."""
    t0 = time.perf_counter()
    n_t1 = 2000 if quick else 10_000
    sim = simulate_designs(twin, pool, n_per_arm=[100], effects=[0.0, 25.0, 50.0, 75.0], n_trials=n_t1,
                           power_trials=300 if quick else 1000, outcome=OUTCOME, random_state=random_state,
                           power_random_state=random_state + 2)
    sd = actg["sample_size_procova"]["settings"]["sd"]
    drift = simulate_trials(twin, pool, n_per_arm=100, effect=0.0, n_trials=n_t1 // 2, outcome=OUTCOME,
                            drift=0.25 * sd, random_state=random_state + 1, keep_estimates=False)
    report.merge(sim.report)
    report.add_table(f"Simulation: type I error with a drift of {0.25 * sd:.1f} {CD4_UNIT} (twin biased by 0.25 SD)",
                     drift.summary().reset_index(), units={"bias": CD4_UNIT, "empirical_sd": CD4_UNIT,
                                                           "mean_se": CD4_UNIT, "mean_estimate": CD4_UNIT})
    return sim, drift, time.perf_counter() - t0, n_t1


def _extrapolation_note(report, caught) -> None:
    """The twin's ExtrapolationWarnings on the shipped data (a few real patients outside the range the
    historical controls cover: wtkg up to 160 kg, cd40 1,199) become one short report note per column,
    not console noise; any other warning is shown as it came."""
    import re

    found: dict[str, dict] = {}
    for w in caught:
        if not issubclass(w.category, ExtrapolationWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        m = re.search(r"column '([^']+)': (\d+) row\(s\) far outside the training range \[([^\]]+)\] \(e\.g\. ([^ ]+)",
                      str(w.message))
        if m is None:
            found.setdefault(str(w.message), {"text": str(w.message)})
            continue
        col, n, rng, example = m.groups()
        entry = found.setdefault(col, {"rows": 0, "range": rng, "examples": set()})
        entry["rows"] = max(entry["rows"], int(n))
        entry["examples"].add(float(example))
    if found:
        parts = [v["text"] if "text" in v else
                 f"{col}: up to {v['rows']} patient(s) per table, e.g. "
                 f"{', '.join(format_number(x) for x in sorted(v['examples']))} (historical range "
                 f"{' to '.join(format_number(float(x)) for x in v['range'].split(','))})"
                 for col, v in found.items()]
        report.warnings.append("The twin extrapolates for a few real patients outside the historical controls' "
                               "baseline range; their predictions are not backed by data and enter the trial, the "
                               "held-out checks and the simulation pool as they are. " + "; ".join(parts) + ".")


def _lead(leads: dict, sim, drift, design_sim, n_t1: int) -> Lead:
    """Effect, CI, SE ratio and saving on ACTG 175; every design whose type I error exceeds alpha, in red."""
    actg = leads["actg175"]
    numbers = list(actg.numbers)
    alpha = float(sim.type_one_error.settings["alpha"])
    t1 = type_one_error_numbers(sim.summary(), alpha, n_t1)
    t1_drift = type_one_error_numbers(drift.summary(), alpha, drift.settings["n_trials"], label="0.25-SD drift")
    dt = design_sim.table.reset_index()
    null = dt[dt["true_hr"] == 1.0].set_index("design") if "true_hr" in dt else dt.iloc[:0]
    t1_surv = type_one_error_numbers(null, alpha, int(null["n_trials"].iloc[0]), label="survival design, HR 1") \
        if len(null) else []
    bad = [n for n in t1 + t1_drift + t1_surv if n.status == "bad"]
    numbers += bad if bad else [max(t1 + t1_drift, key=lambda n: n.value)]
    sentence = actg.sentence.rstrip(".")
    if bad:
        worst = max(bad, key=lambda n: n.value)
        sentence += (f". Risk: {len(bad)} design(s) reject a true null more often than alpha = {format_number(alpha)}"
                     f"; worst {worst.label.replace('type I error, ', '')} at {format_number(worst.value)}.")
    else:
        sentence += f". Every simulated design keeps its type I error at alpha = {format_number(alpha)}."
    return Lead(sentence, numbers)


def run_demo(out_dir, random_state: int = 0, quick: bool = False) -> dict:
    """Run the trials analysis demo; write analysis.json, simulation.json, report.html/json to out_dir."""
    out = Path(out_dir)
    report = Report([], title="pharmasynth trials: PROCOVA on ACTG 175, GBSG2 time to event, trial simulation",
                    meta={"random_state": random_state, "quick": quick},
                    # a trial analysis has no fidelity or privacy rows by design: they are not part of its score
                    group_weights={"fidelity": 0.0, "utility": 0.5, "privacy": 0.0, "validity": 0.5})
    leads: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        actg, twin, pool = _actg175(report, random_state, leads)
        gbsg = _gbsg2(report, random_state, leads)
        sim, drift, sim_s, n_t1 = _simulate(report, twin, pool, actg, random_state, quick)
        # a survival trial with 3 looks (O'Brien-Fleming spending) designed from the twin's event model, then
        # simulated from the same twin: does the design keep its type I error and reach its power?
        t0 = time.perf_counter()
        design = design_trial("survival", hr=0.7, alpha=0.05, sided=2, power=0.9, looks=3, spending="obf", twin=twin,
                              pool=pool, accrual_duration=540, follow_up=365, dropout=0.05, dropout_time=365)
        design_paths = design.write(out / "design")
        design_sim = simulate_design(design, hrs=[1.0, 0.7], twin=twin, pool=pool, n_trials=500 if quick else 4000,
                                     random_state=random_state + 3)
        design_sim.write(out / "design_simulation")
        # the design and simulation reports, rewritten with their leads (events and power; type I error first)
        rep = design.report()
        rep.lead = design_lead(design.design)
        rep.write(out / "design", "report")
        rep = design_sim.report()
        rep.lead = design_simulation_lead(design_sim.table, design_sim.settings)
        rep.write(out / "design_simulation", "report")
    _extrapolation_note(report, caught)
    t1 = sim.type_one_error
    sim_doc = {"correct_twin": t1.to_dict(), "type_one_error_within_2_mc_se": t1.type_one_error_ok().to_dict(),
               "drift_0.25sd": drift.to_dict(), "power_curve": sim.power_curve.to_dict(orient="records"),
               "seconds": round(sim_s, 1)}
    design_doc = {"design": str(design_paths["design"]), "events": design.to_dict().get("events"),
                  "patients": design.to_dict().get("patients"),
                  "simulation": design_sim.table.reset_index().to_dict(orient="records"),
                  "seconds": round(time.perf_counter() - t0, 1)}
    report.add_table("Survival design from the twin (HR 0.7, 3 looks, O'Brien-Fleming): simulated operating "
                     "characteristics", design_sim.table.reset_index(), units={"expected_duration": "days"})
    report.lead = _lead(leads, sim, drift, design_sim, n_t1)

    _write_json(out / "analysis.json", {**actg, "time_to_event": gbsg})
    _write_json(out / "design.json", design_doc)
    _write_json(out / "simulation.json", sim_doc)
    report.write(out, "report")
    by = {a["method"]: a for a in actg["analyses"]}
    drift_t1 = drift.summary()["rejection_rate"]
    return {"report": str(out / "report.html"), "effect": by["procova"]["effect"],
            "ci_low": by["procova"]["ci_low"], "ci_high": by["procova"]["ci_high"],
            "effect_unadjusted": by["unadjusted"]["effect"],
            "se_unadjusted": by["unadjusted"]["se"], "se_ancova": by["ancova"]["se"], "se_procova": by["procova"]["se"],
            "se_ratio_procova": by["procova"]["se"] / by["unadjusted"]["se"],
            "se_reduction": actg["se_reduction"], "rho": actg["rho_heldout_controls"],
            "coverage_80": actg["coverage_80"], "coverage_95": actg["coverage_95"],
            "effective_n_gained": actg["effective_sample_size"]["patients_gained"],
            **{f"type_one_error_{d}": float(v) for d, v in t1.summary()["rejection_rate"].items()},
            **{f"type_one_error_drift_{d}": float(v) for d, v in drift_t1.items()},
            "survival_design_events": design_doc["events"],
            "extrapolation_notes": sum(1 for w in report.warnings if w.startswith("The twin extrapolates"))}
