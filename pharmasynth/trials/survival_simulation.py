"""Time-to-event trials, simulated and analysed in stacks (trials x patients), no per-trial loop.

One simulated trial (``n_control`` + ``n_treated`` patients, randomised in that ratio):

* entry times uniform over the accrual period [0, A];
* each patient's baseline is resampled from the pool; the control event time is drawn from the
  control hazard (a twin's Weibull for that baseline, or an exponential / piecewise hazard):
  T = H^{-1}(E / hr) with E ~ Exp(1), so the treated arm has hazard ratio ``hr`` exactly;
* ``drift`` (log hazard ratio, default 0) multiplies every *enrolled* patient's hazard by
  e^drift: a population the twin is wrong about. Synthetic controls (the hybrid design) are drawn
  from the twin as is;
* exponential dropout at rate ``dropout``; administrative censoring at each analysis.

Looks are event-driven: look k happens at the calendar time the trial's d_k-th event is observed
(events before dropout, counted in the analysed patients); a trial that never reaches d_k events
is analysed with all its events (counted in ``short_of_events``). At each look every trial gets
the statistics of ``survival_batched`` (log-rank, Cox, Cox adjusted for the twin's risk score,
RMST; all trials at once from one sort per look), and each analysis meets the design's bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._util.random import as_rng
from ..errors import DataError, SchemaError
from .design.events import ControlHazard
from .survival_batched import analyse_look, logrank_sorted, sorted_at_look


def twin_control_hazard(twin, pool) -> tuple[ControlHazard, np.ndarray]:
    """The twin's Weibull event model on the pool, as a ControlHazard with one component per pool
    patient, and each patient's risk score (-shape log scale, the twin's `risk_score`)."""
    if not getattr(twin, "has_event_", False):
        raise SchemaError("this twin has no event model: fit it with --time and --event (e.g. `pharmasynth trials "
                          "fit ... --time days --event cens`) to simulate time-to-event trials.")
    weibull = twin.predict_weibull(pool)
    scale, shape = weibull["scale"].to_numpy(float), float(weibull["shape"].iloc[0])
    if not (np.isfinite(scale).all() and (scale > 0).all()):
        raise DataError("the twin's event-time scale is missing or not positive for some pool patients; impute "
                        "their baselines first.")
    return ControlHazard.weibull_mixture(scale, shape), -shape * np.log(scale)


def invert_cumulative_hazard(hazard: ControlHazard, x: np.ndarray, component: np.ndarray | None) -> np.ndarray:
    """T with H(T) = x (per component for a Weibull mixture)."""
    if hazard.kind == "weibull":
        return hazard.scales[component] * x ** (1 / hazard.shape)
    cum_at_start = np.r_[0.0, np.cumsum(hazard.rates[:-1] * np.diff(hazard.breaks))]
    k = np.searchsorted(cum_at_start, x, side="right") - 1
    return hazard.breaks[k] + (x - cum_at_start[k]) / hazard.rates[k]


@dataclass
class SurvivalStack:
    """B trials: entry, event and dropout times (B, N), arm (N,: 1 treated), ``analysed`` (N,: in the
    design's analysis) and ``synthetic`` (N,: never enrolled - its entry time is its pseudo-entry)."""

    entry: np.ndarray
    event_time: np.ndarray
    dropout_time: np.ndarray
    treated: np.ndarray
    synthetic: np.ndarray
    component: np.ndarray | None = None  # pool patient of each simulated patient (twin hazards)


def draw_survival_trials(hazard: ControlHazard, n_trials: int, n_control: int, n_treated: int, *, hr: float = 1.0,
                         accrual_duration: float = 1.0, dropout: float = 0.0, drift: float = 0.0, n_synthetic: int = 0,
                         pool_size: int | None = None, time_ratio: float = 1.0, random_state=0) -> SurvivalStack:
    """Draw the stack (see the module docstring). Patient layout: n_treated | n_control | n_synthetic.

    ``time_ratio`` (accelerated failure time): the treated arm's event times are its control-arm
    times multiplied by it - an RMST shift rather than proportional hazards (then keep hr = 1).
    """
    rng = as_rng(random_state)
    N = n_treated + n_control + n_synthetic
    treated = np.zeros(N, bool)
    treated[:n_treated] = True
    synthetic = np.zeros(N, bool)
    synthetic[n_treated + n_control:] = True
    component = None
    if hazard.kind == "weibull":
        component = rng.integers(0, len(hazard.scales) if pool_size is None else pool_size, size=(n_trials, N))
    entry = rng.uniform(0.0, accrual_duration, size=(n_trials, N))
    multiplier = np.where(treated, hr, 1.0) * np.where(synthetic, 1.0, np.exp(drift))
    e = rng.standard_exponential((n_trials, N)) / multiplier[None, :]
    event_time = invert_cumulative_hazard(hazard, e, component)
    if time_ratio != 1.0:
        event_time[:, treated] *= time_ratio
    dropout_time = rng.exponential(1 / dropout, size=(n_trials, N)) if dropout > 0 else np.full((n_trials, N), np.inf)
    return SurvivalStack(entry, event_time, dropout_time, treated, synthetic, component)


def event_calendar_times(stack: SurvivalStack, columns: np.ndarray) -> np.ndarray:
    """Calendar times of the observable events of the analysed ``columns``, sorted per trial (inf: none)."""
    ev = stack.event_time[:, columns]
    t = np.where(ev <= stack.dropout_time[:, columns], stack.entry[:, columns] + ev, np.inf)
    return np.sort(t, axis=1)


def logrank_at(stack: SurvivalStack, columns: np.ndarray, cutoff: np.ndarray):
    """Log-rank at calendar time ``cutoff`` (B,) on the patients ``columns``: (U, V, events, patients entered).

    U = sum over events of (treated - n_t / n) - observed minus expected treated events; V its
    hypergeometric variance. Exact for continuous times (no tied event times).
    """
    s = sorted_at_look(stack, columns, cutoff)
    U, V = logrank_sorted(s)
    return U, V, s["event"].sum(axis=1), s["present"].sum(axis=1)


def apply_bounds(z: np.ndarray, upper, lower, sided: int) -> dict:
    """First look whose bound each trial crosses: stop_look (1-based; K when none), efficacy, futility."""
    eff = (np.abs(z) >= upper[None, :]) if sided == 2 else (z >= upper[None, :])
    fut = z <= np.asarray(lower)[None, :] if lower is not None else np.zeros_like(eff)
    fut[:, -1] = False
    stop_any = eff | fut
    stop_any[:, -1] = True
    stop = np.argmax(stop_any, axis=1)
    rows = np.arange(len(z))
    return {"stop_look": stop + 1, "efficacy": eff[rows, stop], "futility": fut[rows, stop] & ~eff[rows, stop],
            "efficacy_ignoring_futility": eff.any(axis=1)}


def run_looks(stack: SurvivalStack, columns: np.ndarray, events_at_looks, upper, lower, sided: int, sign: float,
              analyses=("logrank",), score_pool: np.ndarray | None = None, rmst_tau: float | None = None) -> dict:
    """Analyse every look of every trial with each of ``analyses`` and apply the bounds to each.

    Returns {"events", "time", "short": (B, K) shared by all analyses, and per analysis a dict
    with z (B, K), estimate (B, K), stop_look, efficacy, futility, efficacy_ignoring_futility}.
    ``score_pool``: the twin's risk score per pool patient (needed by cox_adjusted). ``rmst_tau``:
    RMST horizon (default at each look: the last time observed in both arms).
    """
    cal = event_calendar_times(stack, columns)
    B, K = cal.shape[0], len(events_at_looks)
    n_obs = np.isfinite(cal).sum(axis=1)
    score = None
    if "cox_adjusted" in analyses:
        if score_pool is None or stack.component is None:
            raise SchemaError("cox_adjusted needs a twin (its risk score is the covariate); simulate from --twin.")
        score = score_pool[stack.component]
    out = {"events": np.empty((B, K), int), "time": np.empty((B, K)), "short": np.zeros((B, K), bool)}
    per = {a: {"z": np.empty((B, K)), "estimate": np.empty((B, K))} for a in analyses}
    for k, d in enumerate(events_at_looks):
        idx = np.minimum(int(d), np.maximum(n_obs, 1)) - 1
        out["short"][:, k] = n_obs < int(d)
        cutoff = cal[np.arange(B), idx] * (1 + 1e-12) + 1e-12  # the d-th event is observed at the look
        s = sorted_at_look(stack, columns, cutoff, score)
        out["events"][:, k], out["time"][:, k] = s["event"].sum(axis=1), cutoff
        tau = None
        if "rmst" in analyses:
            last = [np.max(np.where(arm, s["time"], 0.0), axis=1) for arm in (s["treated"], s["present"] & ~s["treated"])]
            tau = np.minimum(last[0], last[1])
            if rmst_tau is not None:
                tau = np.minimum(tau, rmst_tau)
        for a, (z, est) in analyse_look(s, analyses, sign, tau).items():
            per[a]["z"][:, k], per[a]["estimate"][:, k] = z, est
    for a in analyses:
        per[a].update(apply_bounds(per[a]["z"], upper, lower, sided))
        out[a] = per[a]
    return out
