"""The trials demo: PROCOVA on ACTG 175, the time-to-event path on GBSG2, and a trial simulation.

ACTG 175 (continuous outcome cd420, CD4 count at ~20 weeks):
  * the ZDV-only patients (arms == 0) are split at random in half: one half are the "historical
    controls" the DigitalTwin (model="linear") is fitted on, the other half the trial's concurrent
    control arm;
  * the trial is ZDV+ddI (arms == 1) vs those concurrent controls, analysed unadjusted, by ANCOVA
    on baseline CD4 (cd40), and by PROCOVA (the twin's predicted cd420 as covariate);
  * on the held-out (concurrent) controls: rho = corr(prediction, outcome) and the coverage of the
    twin's 80% and 95% predictive intervals; the SE reduction, effective sample size gained, and
    `sample_size_procova` at the observed rho.
GBSG2 (recurrence-free survival, horTh yes vs no): a Cox prognostic model fitted on a random
half of the untreated patients; on the rest: KM by arm, log-rank, Cox with the prognostic score,
RMST difference at 5 years.
Simulation: trials of ACTG 175-like patients drawn from the twin: type I error and power of the
unadjusted, PROCOVA and synthetic-control designs, plus a drift scenario (biased twin).

Writes out_dir/analysis.json, out_dir/simulation.json, out_dir/report.html + report.json.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.atomic import atomic_write_json
from .._util.random import as_rng
from ..trials import analysis as A
from ..trials.report import (analysis_report, coverage_metric, km_figure, power_curves_figure, predictive_bands_figure,
                     trajectories_figure, type_one_error_metrics)
from ..trials.simulate import LinearGaussianTwin, power_curve, simulate_trials

OUTCOME = "cd420"
VISITS = ["cd420", "cd496"]


def _fit_twin(hist: pd.DataFrame, baseline: list[str], random_state: int):
    """H3a's DigitalTwin (linear) when available; otherwise a least-squares LinearGaussianTwin."""
    try:
        from ..trials.twin import DigitalTwin
    except ImportError:
        return LinearGaussianTwin.from_data(hist, baseline, OUTCOME), "LinearGaussianTwin (least squares)"
    twin = DigitalTwin(baseline=baseline, visits=VISITS, time="days", event="cens", model="linear",
                       random_state=random_state).fit(hist)
    return twin, "DigitalTwin(model='linear')"


def _interval(twin, df: pd.DataFrame, level: float, visit: str, random_state: int):
    """(lower, upper) of the twin's predictive interval for one visit.

    Reads ``predict_interval``'s columns (a column pair naming the visit and lower/upper); if its
    layout is not recognised, falls back to empirical quantiles of 400 ``sample`` draws.
    """
    try:
        iv = twin.predict_interval(df, level)
        cols = [c for c in iv.columns if visit in str(c)]
        lo = [c for c in cols if any(k in str(c).lower() for k in ("low", "lo"))]
        hi = [c for c in cols if any(k in str(c).lower() for k in ("up", "hi"))]
        if len(lo) == 1 and len(hi) == 1:
            return iv[lo[0]].to_numpy(float), iv[hi[0]].to_numpy(float)
    except (AttributeError, TypeError, NotImplementedError):
        pass
    s = twin.sample(df, n_draws=400, random_state=random_state)
    y = s[visit].to_numpy(float).reshape(len(df), 400)
    a = (1 - level) / 2
    return np.quantile(y, a, axis=1), np.quantile(y, 1 - a, axis=1)


def _actg175(report, random_state: int, quick: bool) -> tuple[dict, object, pd.DataFrame]:
    from ..trials.data import ACTG175_BASELINE, load_actg175

    df = load_actg175()
    rng = as_rng(random_state)
    ctrl = df[df["arms"] == 0]
    perm = rng.permutation(len(ctrl))
    hist = ctrl.iloc[perm[: len(ctrl) // 2]]
    concurrent = ctrl.iloc[perm[len(ctrl) // 2:]]
    treated = df[df["arms"] == 1]
    trial = pd.concat([treated, concurrent]).reset_index(drop=True)
    baseline = list(ACTG175_BASELINE)
    t0 = time.perf_counter()
    twin, twin_kind = _fit_twin(hist, baseline, random_state)
    fit_s = time.perf_counter() - t0

    unadj = A.unadjusted(trial, OUTCOME, "arms", treated=1, control=0)
    anc = A.ancova(trial, OUTCOME, "arms", ["cd40"], treated=1, control=0)
    proc = A.procova(trial, twin, OUTCOME, "arms", treated=1, control=0)
    results = [unadj, anc, proc]

    held = concurrent.reset_index(drop=True)
    pred = np.asarray(twin.predict(held)[OUTCOME], float)
    obs = held[OUTCOME].to_numpy(float)
    ok = np.isfinite(obs) & np.isfinite(pred)
    rho = float(np.corrcoef(pred[ok], obs[ok])[0, 1])
    lo80, hi80 = _interval(twin, held, 0.80, OUTCOME, random_state)
    lo95, hi95 = _interval(twin, held, 0.95, OUTCOME, random_state)
    cov80 = (obs >= lo80) & (obs <= hi80)
    cov95 = (obs >= lo95) & (obs <= hi95)
    ess = A.effective_sample_size(unadj.se, proc.se, unadj.n)
    sd = float(hist[OUTCOME].std())
    ss = A.sample_size_procova(effect=50.0, sd=sd, rho=rho, alpha=0.05, power=0.8)

    report.merge(analysis_report(results, title=""))
    report.add(coverage_metric("twin_coverage_80_cd420", cov80[ok], 0.80),
               coverage_metric("twin_coverage_95_cd420", cov95[ok], 0.95))
    report.add_figure("ACTG 175: CD4 trajectories by arm", trajectories_figure(
        trial.assign(arm=trial["arms"].map({0: "ZDV", 1: "ZDV+ddI"})), ["cd40", "cd420", "cd496"], group="arm",
        random_state=random_state), "Thin lines: 60 random patients per arm; thick: arm mean (cd496 has gaps).",
        section="ACTG 175")
    report.add_figure("ACTG 175: twin predictive bands on held-out controls", predictive_bands_figure(
        obs, pred, lo80, hi80, lo95, hi95, label="CD4 at 20 weeks (cd420)"),
        f"{twin_kind} fitted on {len(hist)} historical ZDV patients; {len(held)} held-out ZDV patients. "
        f"Coverage 80%: {cov80[ok].mean():.3f}, 95%: {cov95[ok].mean():.3f}; rho = {rho:.3f}.", section="ACTG 175")
    report.add_table("ACTG 175: sample size at the observed rho (effect 50 cells/mm3, power 80%)", ss.reset_index())

    doc = {"trial": "ACTG 175: ZDV+ddI (arms=1) vs ZDV (arms=0) concurrent half", "outcome": OUTCOME,
           "twin": twin_kind, "twin_fit_seconds": round(fit_s, 2), "n_historical_controls": len(hist),
           "n_concurrent_controls": len(concurrent), "n_treated": len(treated),
           "analyses": [r.to_dict() for r in results],
           "se_reduction": 1 - proc.se / unadj.se, "rho_heldout_controls": rho,
           "coverage_80": float(cov80[ok].mean()), "coverage_95": float(cov95[ok].mean()),
           "effective_sample_size": ess,
           "sample_size_procova": {"settings": dict(ss.attrs), "designs": ss.reset_index().to_dict(orient="records")}}
    pool = df[baseline].dropna().reset_index(drop=True)
    return doc, twin, pool


def _gbsg2(report, random_state: int) -> dict:
    from lifelines import CoxPHFitter

    from ..trials.data import load_gbsg2

    df = load_gbsg2()
    rng = as_rng(random_state + 1)
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
    km = A.km_curves(rest, "time", "cens", "horTh")
    lr = A.logrank(rest, "time", "cens", "horTh")
    cox_plain = A.cox_with_prognostic_score(rest, "time", "cens", "horTh")
    cox = A.cox_with_prognostic_score(rest, "time", "cens", "horTh", score=score)
    rmst = A.rmst_difference(rest, "time", "cens", "horTh", tau=1825.0)
    report.add_figure("GBSG2: recurrence-free survival by hormonal therapy", km_figure(km, "horTh"),
                      f"{len(rest)} patients not used for the prognostic model; 95% pointwise bands.",
                      section="GBSG2")
    report.add_table("GBSG2: Cox with the prognostic score", cox.reset_index())
    report.add_table("GBSG2: RMST difference at 5 years (days)", rmst)
    return {"trial": "GBSG2: horTh yes vs no (recurrence-free survival)", "n_prognostic_model": int(is_hist.sum()),
            "n_analysed": len(rest), "logrank": lr.to_dict(orient="records")[0],
            "cox_treatment_only": cox_plain.reset_index().to_dict(orient="records"),
            "cox_with_prognostic_score": cox.reset_index().to_dict(orient="records"),
            "prognostic_model_concordance_heldout": float(cox.attrs["concordance"]),
            "rmst_5y": rmst.to_dict(orient="records")[0]}


def run_demo(out_dir, random_state: int = 0, quick: bool = False) -> dict:
    """Run the trials analysis demo; write analysis.json, simulation.json, report.html/json to out_dir."""
    from ..evaluation.report import Report

    out = Path(out_dir)
    report = Report([], title="pharmasynth trials: PROCOVA on ACTG 175, GBSG2 time to event, trial simulation",
                    meta={"random_state": random_state, "quick": quick})
    actg, twin, pool = _actg175(report, random_state, quick)
    gbsg = _gbsg2(report, random_state)

    t0 = time.perf_counter()
    n_t1 = 2000 if quick else 10_000
    t1 = simulate_trials(twin, pool, n_per_arm=100, effect=0.0, n_trials=n_t1, outcome=OUTCOME,
                         random_state=random_state, keep_estimates=False)
    sd = actg["sample_size_procova"]["settings"]["sd"]
    drift = simulate_trials(twin, pool, n_per_arm=100, effect=0.0, n_trials=n_t1 // 2, outcome=OUTCOME,
                            drift=0.25 * sd, random_state=random_state + 1, keep_estimates=False)
    pc = power_curve(twin, pool, effects=[0.0, 25.0, 50.0, 75.0], n_per_arm=[100], n_trials=300 if quick else 1000,
                     outcome=OUTCOME, random_state=random_state + 2)
    sim_s = time.perf_counter() - t0
    report.add(*type_one_error_metrics(t1.summary, 0.05))
    report.add_table("Simulation: type I error, 100 per arm, correct twin", t1.summary.reset_index())
    report.add_table(f"Simulation: type I error with a drift of {0.25 * sd:.1f} cells/mm3 (twin biased by 0.25 SD)",
                     drift.summary.reset_index())
    report.add_figure("Simulation: power curves (100 per arm)", power_curves_figure(pc),
                      "Outcomes drawn from the ACTG 175 twin; bars +-2 Monte Carlo SE.", section="simulation")
    sim_doc = {"correct_twin": t1.to_dict(), "type_one_error_within_2_mc_se": t1.type_one_error_ok().to_dict(),
               "drift_0.25sd": drift.to_dict(), "power_curve": pc.to_dict(orient="records"),
               "seconds": round(sim_s, 1)}

    analysis_doc = {**actg, "time_to_event": gbsg}
    atomic_write_json(out / "analysis.json", analysis_doc)
    atomic_write_json(out / "simulation.json", sim_doc)
    report.save(out, "report")
    by = {a["method"]: a for a in actg["analyses"]}
    return {"effect": by["procova"]["effect"], "effect_unadjusted": by["unadjusted"]["effect"],
            "se_unadjusted": by["unadjusted"]["se"], "se_ancova": by["ancova"]["se"], "se_procova": by["procova"]["se"],
            "se_reduction": actg["se_reduction"], "rho": actg["rho_heldout_controls"],
            "coverage_80": actg["coverage_80"], "coverage_95": actg["coverage_95"],
            "effective_n_gained": actg["effective_sample_size"]["patients_gained"],
            "type_one_error": t1.summary["rejection_rate"].to_dict(), "twin": actg["twin"]}
