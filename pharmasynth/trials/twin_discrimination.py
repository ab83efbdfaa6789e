"""How well does a twin's risk score rank and calibrate patients' event times (held-out data)?

harrell_c            Harrell's concordance (lifelines' `concordance_index`): P(higher risk fails first)
time_dependent_auc   cumulative/dynamic AUC at tau with inverse-probability-of-censoring weights
                     (Uno et al. 2007): cases fail by tau, controls survive past tau
calibration_at_tau   predicted mean survival at tau vs Kaplan-Meier, overall and per risk group
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..evaluation.metric import MetricResult, metric


def harrell_c(time, event, risk) -> float:
    from lifelines.utils import concordance_index

    return float(concordance_index(np.asarray(time, float), -np.asarray(risk, float), np.asarray(event, int)))


def time_dependent_auc(time, event, risk, tau: float) -> float:
    """IPCW cumulative/dynamic AUC(tau): sum over cases i (T_i <= tau, event) and controls j (T_j > tau)
    of w_i [r_i > r_j] (ties 1/2) / (sum w_i x #controls), w_i = 1 / G(T_i-), G the censoring KM."""
    from lifelines import KaplanMeierFitter

    t, e, r = (np.asarray(a, float) for a in (time, event, risk))
    cases, controls = (t <= tau) & (e == 1), t > tau
    if not cases.any() or not controls.any():
        raise DataError(f"time-dependent AUC at tau={tau:g} needs events before tau and patients followed past it.")
    G = KaplanMeierFitter().fit(t, 1 - e)
    w = 1.0 / np.clip(G.survival_function_at_times(np.nextafter(t[cases], -np.inf)).to_numpy(), 1e-8, None)
    rc, rk = r[cases][:, None], r[controls][None, :]
    wins = (rc > rk) + 0.5 * (rc == rk)
    return float(np.sum(w[:, None] * wins) / (w.sum() * controls.sum()))


def calibration_at_tau(time, event, predicted_survival, risk, tau: float, n_groups: int = 3) -> pd.DataFrame:
    """Predicted mean S(tau) vs Kaplan-Meier S(tau): one row per risk group and one for everyone."""
    from lifelines import KaplanMeierFitter

    t, e, s, r = (np.asarray(a, float) for a in (time, event, predicted_survival, risk))
    groups = pd.qcut(r, n_groups, labels=False, duplicates="drop")
    rows = []
    for g, m in [("all", np.ones(len(t), bool))] + [(int(g) + 1, groups == g) for g in np.unique(groups)]:
        km = float(KaplanMeierFitter().fit(t[m], e[m]).survival_function_at_times([tau]).iloc[0])
        rows.append({"risk_group": g, "n": int(m.sum()), "tau": tau, "predicted": float(s[m].mean()), "observed_km": km})
    out = pd.DataFrame(rows)
    out["abs_error"] = (out["predicted"] - out["observed_km"]).abs()
    return out


def discrimination_metrics(twin, heldout: pd.DataFrame, tau: float | None = None) -> tuple[list[MetricResult], pd.DataFrame]:
    """Harrell's C, AUC(tau) and calibration at tau of the twin's risk score on held-out patients."""
    t = heldout[twin.time].to_numpy(float)
    e = heldout[twin.event].to_numpy(int)
    tau = float(np.quantile(t, 0.75)) if tau is None else float(tau)
    risk = twin.risk_score(heldout).to_numpy(float)
    surv = twin.predict_survival(heldout, [tau]).to_numpy(float)[:, 0]
    cal = calibration_at_tau(t, e, surv, risk, tau)
    out = [metric("harrell_c", "utility", harrell_c(t, e, risk), direction="higher", bounds=(0.0, 1.0),
                  notes="Harrell's concordance of the twin's risk score (0.5 = no better than chance)")]
    try:
        out.append(metric("time_dependent_auc_tau", "utility", time_dependent_auc(t, e, risk, tau), direction="higher",
                          bounds=(0.0, 1.0), notes=f"IPCW cumulative/dynamic AUC at tau={tau:g} (Uno 2007)"))
    except DataError as exc:
        out.append(MetricResult.failed("time_dependent_auc_tau", "utility", str(exc), direction="higher",
                                       bounds=(0.0, 1.0)))
    out.append(metric("calibration_at_tau_abs_error", "validity", float(cal["abs_error"].iloc[0]), direction="lower",
                      bounds=(0.0, 1.0), notes=f"|mean predicted S(tau) - KM S(tau)| at tau={tau:g}, all patients"))
    return out, cal
