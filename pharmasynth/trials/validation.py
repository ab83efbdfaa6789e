"""Is the twin right? Checks on held-out control patients, and synthetic patients vs real.

validate_twin(twin, heldout)  ->  (Report, tables)
    utility   per visit: correlation of the prediction with the observed outcome (rho: PROCOVA's
              variance shrinks by 1 - rho^2), with a Fisher-z CI
    validity  per visit and level: coverage of the 80% and 95% predictive intervals (target = the
              level; binomial CI)
    validity  event model calibration: in risk groups (quantiles of the risk score), predicted
              mean survival vs Kaplan-Meier observed at given times; the largest absolute gap
    fidelity  Kaplan-Meier overlap of synthetic controls (one twin draw per held-out patient,
              censored like the real ones) vs the real controls: the largest vertical distance
              between the curves, and the log-rank p-value
    utility   the risk score's Harrell's C and time-dependent AUC at tau; validity: calibration at
              tau (`twin_discrimination.py`)
evaluate_synthetic_patients(real, synthetic, ...) -> Report  (the evaluation core's `evaluate`)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .._util.figures import new_figure
from ..evaluation.lead import format_number
from ..evaluation.metric import MetricResult, metric
from ..evaluation.report import Report
from ..errors import DataError, SchemaError
from .report import TWIN_VALIDATION_WEIGHTS, coverage_metric
from .report_lead import twin_validation_lead
from .twin_discrimination import discrimination_metrics


def visit_accuracy(twin, heldout: pd.DataFrame, levels=(0.8, 0.95)) -> pd.DataFrame:
    """Per visit: n observed, correlation (with Fisher-z 95% CI), RMSE, coverage per level."""
    pred = twin.predict(heldout)
    rows = []
    for v in twin.visits:
        if v not in heldout.columns:
            raise SchemaError(f"held-out table lacks visit {v!r}.")
        y = pd.to_numeric(heldout[v], errors="coerce").to_numpy(float)
        o = ~np.isnan(y)
        n = int(o.sum())
        row = {"visit": v, "n": n}
        if n >= 4:
            r = float(np.corrcoef(pred[v].to_numpy()[o], y[o])[0, 1])
            zf, se = math.atanh(np.clip(r, -0.999999, 0.999999)), 1 / math.sqrt(n - 3)
            row.update(rho=r, rho_ci_low=math.tanh(zf - 1.96 * se), rho_ci_high=math.tanh(zf + 1.96 * se),
                       rmse=float(np.sqrt(np.mean((pred[v].to_numpy()[o] - y[o]) ** 2))))
        for lev in levels:
            iv = twin.predict_interval(heldout, lev)
            inside = (y >= iv[f"{v}_lower"].to_numpy()) & (y <= iv[f"{v}_upper"].to_numpy())
            row[f"coverage_{int(round(lev * 100))}"] = float(inside[o].mean()) if n else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def event_calibration(twin, heldout: pd.DataFrame, times, n_groups: int = 3) -> pd.DataFrame:
    """Predicted vs Kaplan-Meier survival at `times`, in `n_groups` risk groups."""
    from lifelines import KaplanMeierFitter

    t = heldout[twin.time].to_numpy(float)
    e = heldout[twin.event].to_numpy(int)
    risk = twin.risk_score(heldout).to_numpy()
    groups = pd.qcut(risk, n_groups, labels=False, duplicates="drop")
    surv = twin.predict_survival(heldout, times).to_numpy()
    rows = []
    for g in np.unique(groups):
        m = groups == g
        km = KaplanMeierFitter().fit(t[m], e[m])
        obs = km.survival_function_at_times(times).to_numpy()
        for k, tk in enumerate(times):
            rows.append({"risk_group": int(g) + 1, "n": int(m.sum()), "time": float(tk),
                         "predicted": float(surv[m, k].mean()), "observed_km": float(obs[k])})
    out = pd.DataFrame(rows)
    out["abs_error"] = (out["predicted"] - out["observed_km"]).abs()
    return out


def km_overlap(real_time, real_event, syn_time, syn_event, grid=None) -> dict:
    """Largest vertical distance between two Kaplan-Meier curves, and the log-rank test."""
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    grid = np.linspace(0, float(np.max(real_time)), 200) if grid is None else np.asarray(grid, float)
    a = KaplanMeierFitter().fit(real_time, real_event).survival_function_at_times(grid).to_numpy()
    b = KaplanMeierFitter().fit(syn_time, syn_event).survival_function_at_times(grid).to_numpy()
    lr = logrank_test(real_time, syn_time, real_event, syn_event)
    return {"max_km_distance": float(np.max(np.abs(a - b))), "logrank_p": float(lr.p_value), "grid": grid,
            "km_real": a, "km_synthetic": b}


def visit_metrics(accuracy: pd.DataFrame, levels=(0.8, 0.95)) -> list[MetricResult]:
    """Per visit (rows of `visit_accuracy`): rho (utility) and the coverage of each level (validity)."""
    out = []
    for _, r in accuracy.iterrows():
        if "rho" in r and pd.notna(r.get("rho")):
            out.append(metric(f"rho:{r['visit']}", "utility", r["rho"], direction="higher", bounds=(-1.0, 1.0),
                              ci=(r["rho_ci_low"], r["rho_ci_high"]),
                              notes=f"correlation of the twin's prediction with the observed {r['visit']} "
                                    f"(n={r['n']}); PROCOVA's variance factor is 1 - rho^2 = {1 - r['rho'] ** 2:.3f}"))
        for lev in levels:
            key = f"coverage_{int(round(lev * 100))}"
            c, n = r[key], r["n"]
            if n and pd.notna(c):
                out.append(coverage_metric(f"{key}:{r['visit']}", c, n, lev,
                                           f"share of held-out {r['visit']} inside the {lev:.0%} predictive interval"))
    return out


def event_metrics(calibration: pd.DataFrame, overlap: dict, n_groups: int, times) -> list[MetricResult]:
    """The event model: calibration error (validity), KM distance and log-rank p of synthetic vs real (fidelity)."""
    return [
        metric("event_calibration_max_abs_error", "validity", float(calibration["abs_error"].max()),
               direction="lower", bounds=(0.0, 1.0),
               notes=f"largest |predicted - KM observed| survival over {n_groups} risk groups at times "
                     f"{', '.join(format_number(t) for t in times)}"),
        metric("km_max_distance", "fidelity", overlap["max_km_distance"], direction="lower", bounds=(0.0, 1.0),
               notes="largest vertical distance between the KM curves of real and synthetic controls"),
        metric("km_logrank_p", "fidelity", overlap["logrank_p"], direction="higher", bounds=(0.0, 1.0), score=None,
               notes="log-rank test real vs synthetic controls (large p: no detectable difference); not scored"),
    ]


TABLE_TITLES = {"visit_accuracy": "Accuracy per visit (held-out controls)",
                "event_calibration": "Event model: predicted vs Kaplan-Meier survival by risk group",
                "km_overlap": "Kaplan-Meier curves: real vs synthetic controls (on a grid of 200 times)",
                "calibration_at_tau": "Calibration at tau by risk group"}


def validate_twin(twin, heldout: pd.DataFrame, levels=(0.8, 0.95), times=None, n_groups: int = 3,
                  random_state=0, plots: bool = True, title: str = "Digital twin on held-out controls"):
    """Twin-specific checks on held-out control patients -> (Report, {name: DataFrame})."""
    if len(heldout) < 10:
        raise DataError(f"{len(heldout)} held-out patients; at least 10 are needed to validate a twin.")
    rep = Report(title=title, group_weights=dict(TWIN_VALIDATION_WEIGHTS))
    tables = {}
    if twin.visits:
        acc = visit_accuracy(twin, heldout, levels)
        tables["visit_accuracy"] = acc
        rep.add(*visit_metrics(acc, levels))
    if twin.has_event_:
        t = heldout[twin.time].to_numpy(float)
        e = heldout[twin.event].to_numpy(int)
        if times is None:
            times = list(np.quantile(t, [0.25, 0.5, 0.75]).round())
        cal = event_calibration(twin, heldout, times, n_groups)
        tables["event_calibration"] = cal
        syn = twin.sample(heldout, n_draws=1, random_state=random_state)
        ov = km_overlap(t, e, syn[twin.time].to_numpy(), syn[twin.event].to_numpy())
        tables["km_overlap"] = pd.DataFrame({"time": ov["grid"], "km_real": ov["km_real"], "km_synthetic": ov["km_synthetic"]})
        rep.add(*event_metrics(cal, ov, n_groups, times))
        disc, cal_tau = discrimination_metrics(twin, heldout)
        tables["calibration_at_tau"] = cal_tau
        rep.add(*disc)
    for name, tab in tables.items():
        rep.add_table(TABLE_TITLES.get(name, name), tab)
    rep.meta.update({"n_heldout": len(heldout), "twin": twin.describe()})
    rep.lead = twin_validation_lead(rep, tables)
    if plots:
        _plots(rep, twin, heldout, tables, random_state)
    return rep, tables


def _plots(rep, twin, heldout, tables, random_state):
    if twin.visits:
        k = min(6, len(heldout))
        sub = heldout.iloc[:k]
        draws = twin.sample(sub, n_draws=30, random_state=random_state)
        iv = twin.predict_interval(sub, 0.95)
        pred = twin.predict(sub)
        ncol = min(3, k)  # panels of ~3 inches: their text stays readable once the page fits the figure
        nrow = -(-k // ncol)
        fig, axes = new_figure(nrow, ncol, figsize=(3.3 * ncol, 2.7 * nrow), sharey=True, squeeze=False)
        for extra in axes.flat[k:]:
            extra.set_visible(False)
        for row in axes:
            row[0].set_ylabel("outcome (units of the data)")
        axes = axes.ravel()
        x = np.arange(len(twin.visits))
        ids = draws["id"].unique()
        for a, (i, pid) in zip(axes, enumerate(ids)):
            d = draws[draws["id"] == pid]
            for _, row in d.iterrows():
                a.plot(x, row[twin.visits].to_numpy(float), color="0.75", lw=0.6)
            a.fill_between(x, iv.iloc[i][[f"{v}_lower" for v in twin.visits]].to_numpy(float),
                           iv.iloc[i][[f"{v}_upper" for v in twin.visits]].to_numpy(float), alpha=0.25, label="95% band")
            a.plot(x, pred.iloc[i].to_numpy(float), color="C0", lw=2, label="predicted mean")
            a.plot(x, sub.iloc[i][twin.visits].to_numpy(float), "o", color="C3", label="observed")
            a.set_xticks(x, twin.visits)
            a.set_xlabel("visit")
            a.set_title(f"patient {pid}", fontsize=8)
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        rep.add_figure("Twin trajectories and 95% predictive bands", fig,
                       "Grey: 30 sampled trajectories under control; band: 95% predictive interval; red: observed.")
    if "km_overlap" in tables:
        tab = tables["km_overlap"]
        fig, ax = new_figure(figsize=(5, 3.2))
        ax.step(tab["time"], tab["km_real"], where="post", label="real controls (held out)")
        ax.step(tab["time"], tab["km_synthetic"], where="post", label="synthetic controls (twin)")
        ax.set_xlabel(f"{twin.time} (time units of the data)")
        ax.set_ylabel("event-free probability (KM)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        rep.add_figure("Kaplan-Meier: real vs synthetic controls", fig, "Synthetic: one twin draw per held-out patient.")


def evaluate_synthetic_patients(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None,
                                **kwargs):
    """Synthetic patients vs real through the evaluation core (fidelity, utility, privacy, validity)."""
    from ..evaluation import evaluate

    return evaluate(real, synthetic, holdout=holdout, **kwargs)
