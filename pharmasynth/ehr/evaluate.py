"""`evaluate_timelines`: synthetic vs real timelines through the evaluation core's `Report`.

Fidelity over time (cumulative incidence curves, events per patient, inter-event intervals,
age/sex-specific incidence, co-occurrence, lab means/SDs by year, within-patient
autocorrelation, lab-before-event changes), the query battery, utility (5-year cardiovascular
prediction, train synthetic / test real) and whole-timeline privacy. With `calibrate=True` the
same metrics are computed for three controls on the same real data: an independent real split
(ceiling), copies of the training timelines (privacy floor) and attributes shuffled across
patients (fidelity floor: marginals kept, links between a patient's attributes and timeline broken).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from ..evaluation import Report
from ..evaluation.lead import KeyNumber, Lead, format_number, grade
from ..evaluation.metric import chance_score, guarded, metric
from .battery import compare_queries, standard_battery
from .patient_level import privacy_metrics, utility_auc
from .temporal import (cooccurrence_gap, cumulative_incidence, event_count_tvd, inter_event_gaps,
                       lab_before_event, lab_by_year, lag1_autocorrelation)
from .timelines import Timelines

GRID_YEARS = np.linspace(0, 15, 61)


def _inverse_score(x: float) -> float:
    return float(max(0.0, 1.0 - x))


def _types_tests(real: Timelines, n_types: int = 10, n_tests: int = 6):
    s = real.schema
    return (real.events[s.event].value_counts().index.tolist()[:n_types],
            real.measurements[s.test].astype(str).value_counts().index.tolist()[:n_tests])


def _incidence_curves(real, syn, types):
    grid = GRID_YEARS * 365.25
    rows, curves = [], {}
    for t in [*types, "death"]:
        r, y = cumulative_incidence(real, t, grid), cumulative_incidence(syn, t, grid)
        curves[t] = (r, y)
        rows.append({"event": t, "gap": float(np.max(np.abs(r - y))), "real_10y": float(r[40]),
                     "synthetic_10y": float(y[40])})
    return pd.DataFrame(rows), curves


def _incidence_figure(curves):
    from .._util.figures import new_figure

    n = len(curves)
    cols = 4
    fig, axes = new_figure((n + cols - 1) // cols, cols, figsize=(12, 2.6 * ((n + cols - 1) // cols)), squeeze=False)
    for ax, (t, (r, y)) in zip(axes.flat, curves.items()):
        ax.step(GRID_YEARS, r, where="post", label="real", color="black")
        ax.step(GRID_YEARS, y, where="post", label="synthetic", color="tab:orange", linestyle="--")
        ax.set_title(t)
        ax.set_xlabel("years from index")
        ax.set_ylabel("cumulative incidence")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def fidelity_rows(real: Timelines, syn: Timelines, types, tests) -> tuple[list, dict]:
    extra = {}
    inc, curves = _incidence_curves(real, syn, types)
    extra["incidence"], extra["curves"] = inc, curves
    rows = [metric("cumulative_incidence_gap", "fidelity", float(inc["gap"].mean()), direction="lower",
                   notes="mean over event types (and death) of the largest gap between real and synthetic "
                         "cumulative-incidence curves (1 - KM, 0-15 years)", details={"per_event": inc.to_dict("records")})]
    rows.append(metric("events_per_patient_tvd", "fidelity", event_count_tvd(real, syn, types), direction="lower",
                       notes="total variation distance of the number of event types per patient"))
    gr, gs = inter_event_gaps(real, types), inter_event_gaps(syn, types)
    rows.append(metric("inter_event_interval_ks", "fidelity", float(ks_2samp(gr, gs).statistic) if len(gr) and len(gs)
                       else float("nan"), direction="lower", notes="KS statistic of days between consecutive events"))
    binary = [c for c in real.attributes() if real.static[c].dropna().nunique() == 2][:1]
    by = ",".join(["age_band", *binary]) if "age" in real.static else ",".join(binary)
    qs = [f"incidence {t} by {by}" for t in types[:6]] if by else [f"incidence {t}" for t in types[:6]]
    ass, _ = compare_queries(real, syn, qs, min_support=20)
    err = float(np.nanmedian(ass["relative_error"].astype(float)))
    rows.append(metric("age_sex_incidence_relative_error", "fidelity", err, direction="lower", bounds=(0, np.inf),
                       score=_inverse_score(err), notes=f"median relative error of incidence per 1,000 PY by {by}",
                       details={"per_query": ass.to_dict("records")}))
    gap, table = cooccurrence_gap(real, syn, types)
    extra["cooccurrence"] = table
    rows.append(metric("cooccurrence_gap", "fidelity", gap, direction="lower",
                       notes="mean |phi_real - phi_synthetic| over pairs of event types (ever had)"))
    mean_err, sd_err, ac = [], [], []
    for t in tests:
        r, y = lab_by_year(real, t), lab_by_year(syn, t)
        j = r.index.intersection(y.index)
        j = j[r.loc[j, "size"] >= 30]
        mean_err += list(((y.loc[j, "mean"] - r.loc[j, "mean"]).abs() / r.loc[j, "std"].replace(0, np.nan)).dropna())
        sd_err += list(((y.loc[j, "std"] - r.loc[j, "std"]).abs() / r.loc[j, "std"].replace(0, np.nan)).dropna())
        ac.append({"test": t, "real": lag1_autocorrelation(real, t), "synthetic": lag1_autocorrelation(syn, t)})
    ac = pd.DataFrame(ac)
    extra["autocorrelation"] = ac
    rows.append(metric("lab_mean_by_year_gap", "fidelity", float(np.mean(mean_err)) if mean_err else float("nan"),
                       direction="lower", bounds=(0, np.inf), score=_inverse_score(np.mean(mean_err) if mean_err else 1),
                       notes="mean |mean_syn - mean_real| / SD_real over tests x years from index (-10..10)"))
    rows.append(metric("lab_sd_by_year_gap", "fidelity", float(np.mean(sd_err)) if sd_err else float("nan"),
                       direction="lower", bounds=(0, np.inf), score=_inverse_score(np.mean(sd_err) if sd_err else 1),
                       notes="mean |SD_syn - SD_real| / SD_real over tests x years"))
    acgap = float((ac["real"] - ac["synthetic"]).abs().mean())
    rows.append(metric("lab_autocorrelation_gap", "fidelity", acgap, direction="lower", bounds=(0, 2),
                       notes="mean |lag-1 within-patient autocorrelation real - synthetic| over tests",
                       details={"per_test": ac.to_dict("records")}))
    pairs = []
    for t in tests[:4]:
        sd = float(real.measurements.loc[real.measurements[real.schema.test].astype(str) == t,
                                         real.schema.value].std())
        for e in types[:6]:
            (dr, nr), (ds, ns) = lab_before_event(real, t, e), lab_before_event(syn, t, e)
            pairs.append({"test": t, "event": e, "real_change": dr, "synthetic_change": ds, "real_patients": nr,
                          "synthetic_patients": ns, "gap_in_sd": abs(dr - ds) / sd if sd > 0 else np.nan})
    pairs = pd.DataFrame(pairs)
    extra["lab_before_event"] = pairs
    ok = pairs[pairs["real_patients"] >= 30]
    val = float(ok["gap_in_sd"].mean()) if len(ok) else float("nan")
    rows.append(metric("lab_before_event_gap", "fidelity", val, direction="lower", bounds=(0, np.inf),
                       score=_inverse_score(val) if np.isfinite(val) else None,
                       notes="mean |change real - change synthetic| / SD of the lab, change = mean in the year "
                             "before an event minus the patient's earlier mean (pairs with >= 30 real patients)"))
    return rows, extra


def validity_rows(syn: Timelines) -> list:
    """The rules a timeline must obey, checked on the synthetic set: every row within follow-up, nothing
    after death, no duplicates or unknown ids; labs inside the physiological limits of known tests."""
    from .labs import PHYSIOLOGICAL
    from .timelines import validate

    s = syn.schema
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        checked = validate(syn, on_error="drop")
    n_rows = len(syn.measurements) + len(syn.events)
    bad = len(checked.skipped)
    after_death = int((checked.skipped["problem"] == "after death (death ends the timeline)").sum())
    me = syn.measurements
    limits = me[s.test].astype(str).str.lower().map(PHYSIOLOGICAL)
    known = limits.notna().to_numpy()
    v = me[s.value].to_numpy(float)[known]
    lo = np.array([x[0] for x in limits[known]]) if known.any() else np.array([])
    hi = np.array([x[1] for x in limits[known]]) if known.any() else np.array([])
    rows = [metric("timeline_rows_valid", "validity", 1 - bad / max(n_rows, 1),
                   notes=f"{bad} of {n_rows} rows break a timeline rule ({after_death} after death)")]
    if known.any():
        rows.append(metric("labs_in_physiological_range", "validity", float(np.mean((v >= lo) & (v <= hi))),
                           notes="share of measurements of known tests inside pharmasynth.ehr.labs.PHYSIOLOGICAL"))
    return rows


def _headline(report: Report) -> dict:
    return {m.name: m.value for m in report.metrics}


def evaluate_timelines(train: Timelines, synthetic: Timelines, holdout: Timelines | None = None, *,
                       calibrate: bool = False, queries: list[str] | None = None, random_state=0,
                       plots: bool = True, title: str = "pharmasynth timeline evaluation") -> Report:
    """A `Report` of the metrics in the module docstring (holdout: real patients the generator never saw)."""
    types, tests = _types_tests(train)
    columns = [c for c in train.attributes() if pd.api.types.is_numeric_dtype(train.static[c])]
    reference = holdout or train
    report = Report(title=title, meta={"n_train": train.n_patients, "n_synthetic": synthetic.n_patients,
                                       "n_holdout": None if holdout is None else holdout.n_patients,
                                       "event_types": types, "tests": tests})
    rows, extra = fidelity_rows(reference, synthetic, types, tests)
    qt, qg = compare_queries(reference, synthetic, queries or standard_battery(reference))
    qerr = float(np.nanmedian(qt["relative_error"].astype(float)))
    # the report leads with the incidence curves' distance and the query errors
    report.add(rows[0], metric("query_median_relative_error", "utility", qerr, direction="lower", bounds=(0, np.inf),
                               score=_inverse_score(qerr), notes=f"median over {len(qt)} cohort queries (battery)",
                               details={"queries": qt.to_dict("records")}), *rows[1:])
    report.add(*guarded("timeline_validity", "validity", lambda: validity_rows(synthetic)))
    if holdout is not None:
        def util():
            u = utility_auc(train, synthetic, holdout, types, tests, columns, random_state=random_state)
            return [metric("cv5y_auc_train_synthetic", "utility", u["synthetic"], bounds=(0, 1), details=u,
                           notes=f"5-year {'/'.join(u['events'])}: AUC on the real holdout, model trained on synthetic"),
                    metric("cv5y_auc_ratio", "utility", u["synthetic"] / u["real"], direction="target", target=1.0,
                           bounds=(0, 2), notes=f"AUC trained on synthetic / on real ({u['real']:.3f})")]

        def priv():
            p = privacy_metrics(train, synthetic, holdout, types, tests, columns, random_state=random_state)
            return [metric("timeline_dcr_share_closer_to_train", "privacy", p["dcr_share_closer_to_train"],
                           direction="target", target=0.5, details=p,
                           notes="share of synthetic timelines nearer a training timeline than a holdout one (0.5 ideal)"),
                    metric("timeline_membership_auc", "privacy", p["membership_auc"], direction="lower",
                           score=chance_score(p["membership_auc"]),
                           notes="distance-based membership attack on whole timelines (0.5 = chance)"),
                    metric("timeline_identical_share", "privacy", p["identical_share"], direction="lower",
                           notes="synthetic timelines identical to a training timeline")]
        report.add(*guarded("cv5y_auc", "utility", util))
        report.add(*guarded("timeline_privacy", "privacy", priv))
    if plots:
        report.add_figure("Cumulative incidence: real (black) vs synthetic (orange)", _incidence_figure(extra["curves"]),
                          caption="1 - Kaplan-Meier of the first event during follow-up", section="incidence")
    report.add_table("Cumulative incidence (gap = largest distance between curves)", extra["incidence"],
                     units={"real_10y": "share of patients", "synthetic_10y": "share of patients"})
    report.add_table("Cohort queries: real vs synthetic", qt)
    report.add_table("Cohort query groups", qg)
    report.add_table("Lab before event (mean change in the year before)", extra["lab_before_event"])
    report.add_table("Co-occurrence: phi real - phi synthetic", extra["cooccurrence"].reset_index())
    report.add_table("Lab within-patient autocorrelation", extra["autocorrelation"])
    if calibrate:
        if holdout is None:
            raise ValueError("calibrate=True needs a holdout (the ceiling is an independent real split).")
        report.calibration = calibration_table(train, synthetic, holdout, random_state=random_state)
    report.lead = timeline_lead(report, extra["incidence"], qt)
    return report


# the grades of the lead: an incidence curve within 0.02 of the real one (2 percentage points) is good, 0.05 bad;
# a median query error of 10 % is good, 25 % bad (cohort counts a study would report differently)
INCIDENCE_GOOD, INCIDENCE_BAD = 0.02, 0.05
QUERY_GOOD, QUERY_BAD = 0.10, 0.25


def timeline_lead(report: Report, incidence: pd.DataFrame, queries: pd.DataFrame) -> Lead:
    """Do the synthetic timelines reproduce the incidence curves and the cohort queries? The mean and
    worst incidence gap (with its event), the median and worst query error, the membership attack."""
    rows = {m.name: m for m in report.metrics if m.status == "ok"}
    gap = float(incidence["gap"].mean())
    worst = incidence.loc[incidence["gap"].idxmax()]
    qerr = rows["query_median_relative_error"].value if "query_median_relative_error" in rows else float("nan")
    errs = queries["relative_error"].astype(float)
    nums = [KeyNumber("cumulative incidence gap (mean over events)", gap,
                      status=grade(gap, good=INCIDENCE_GOOD, bad=INCIDENCE_BAD, direction="minimize"),
                      note=f"largest distance between real and synthetic curves, 0-15 years; {len(incidence)} events"),
            KeyNumber(f"worst incidence gap: {worst['event']}", float(worst["gap"]),
                      status=grade(float(worst["gap"]), good=INCIDENCE_GOOD, bad=INCIDENCE_BAD, direction="minimize"),
                      note=f"10-year incidence real {format_number(worst['real_10y'])}, "
                           f"synthetic {format_number(worst['synthetic_10y'])}"),
            KeyNumber("median query relative error", 100 * qerr, unit="%", digits=2,
                      status=grade(qerr, good=QUERY_GOOD, bad=QUERY_BAD, direction="minimize"),
                      note=f"{len(queries)} cohort queries; worst {format_number(100 * float(errs.max()), 2)}%"
                      if errs.notna().any() else f"{len(queries)} cohort queries")]
    mia = rows.get("timeline_membership_auc")
    if mia is not None:
        nums.append(KeyNumber("membership attack AUC", mia.value, status=grade(mia.value, good=0.55, bad=0.6,
                                                                                  direction="minimize"),
                              note="0.5 = the attacker cannot tell training patients apart"))
    sentence = (f"Synthetic timelines reproduce the cumulative incidence curves within {format_number(gap)} on average "
                f"(worst: {worst['event']}, {format_number(float(worst['gap']))}) and answer the cohort queries with a "
                f"median relative error of {format_number(100 * qerr, 2)}%.")
    return Lead(sentence, nums)


def controls(train: Timelines, holdout: Timelines, random_state=0) -> dict:
    """The calibration controls (module docstring): ceiling, privacy floor, fidelity floor."""
    rng = np.random.default_rng(random_state)
    hold_a, hold_b = holdout.split(0.5, random_state=rng.integers(2**31))
    shuffled = dataclasses.replace(train, static=train.static.copy())
    attrs = train.attributes()
    shuffled.static[attrs] = train.static[attrs].iloc[rng.permutation(train.n_patients)].to_numpy()
    return {"real split (ceiling)": (hold_a, hold_b), "copies of training (privacy floor)": (train, holdout),
            "shuffled across patients (fidelity floor)": (shuffled, holdout)}


def calibration_table(train, synthetic, holdout, random_state=0) -> pd.DataFrame:
    rows = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        candidates = {"synthetic (under test)": (synthetic, holdout), **controls(train, holdout, random_state)}
        for label, (cand, ho) in candidates.items():
            rep = evaluate_timelines(train, cand, ho, plots=False, random_state=random_state)
            rows[label] = {**{g: rep.score(g) for g in ("fidelity", "utility", "privacy")}, **_headline(rep)}
    return pd.DataFrame(rows).T.reset_index(names="candidate")
