"""Lab trajectories given a patient's baseline and events: visits, then values.

Visits: tests measured together (same patient, same day, >= 90% of the time; e.g. a lipid panel)
form a panel that shares visit days. A panel's visit count is Poisson with the observation window
as exposure and a gamma frailty (overdispersion from the moments); visit days are placed in the
window [-lookback, end] by the panel's empirical distribution of relative position.

Values: on a transformed scale (log for skewed positive tests), a linear mixed model

    y_ij = x_i.b + c.t_ij + sum_k [a_k ever_k + d_k after_k(t_ij) + e_k before_k(t_ij)] + u_i + w_i(t_ij)

with ever_k = the patient has event k at some time (between-patient difference), after_k = event k
has happened by t, before_k = event k happens within the next year (the
lab-before-event pattern, e.g. a rise before a diagnosis), u_i a random intercept and w_i an
Ornstein-Uhlenbeck (continuous-time AR(1)) process. Fixed effects by least squares, variance
components and the AR decay by moments. Samples are clipped to physiological ranges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .design import DAYS_PER_YEAR

# Physiological limits (units of the NAFLD tables: mg/dL, mmHg); empirical 0.1%/99.9% quantiles
# narrow them further. Unknown tests use the empirical limits only.
PHYSIOLOGICAL = {"chol": (40.0, 700.0), "hdl": (5.0, 200.0), "sbp": (50.0, 300.0), "dbp": (20.0, 200.0),
                 "fib4": (0.01, 50.0), "smoke": (0.0, 1.0), "glucose": (20.0, 800.0), "alt": (1.0, 3000.0)}
PRE_EVENT_DAYS = 365.0
N_POSITION_QUANTILES = 101


def find_panels(meas: pd.DataFrame, tests: list[str], id_col: str, time_col: str, test_col: str) -> list[list[str]]:
    """Group tests whose (patient, day) sets overlap >= 90% (Jaccard)."""
    keys = {t: set(zip(*[meas.loc[meas[test_col] == t, c].to_numpy() for c in (id_col, time_col)]))
            for t in tests}
    panels: list[list[str]] = []
    for t in tests:
        for p in panels:
            a, b = keys[p[0]], keys[t]
            if len(a & b) >= 0.9 * max(len(a | b), 1):
                p.append(t)
                break
        else:
            panels.append([t])
    return panels


def event_flags(first: np.ndarray, pid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(rows, 3K): ever_k, after_k(t), before_k(t) for each row's patient.

    ever_k (the patient has event k at some time) takes the between-patient difference (people who
    get diabetes have lower HDL all along); without it, after_k and before_k would absorb that
    difference and the samples would show it as a jump within each patient.
    """
    f = first[pid]
    ever = np.isfinite(f)
    after = f <= t[:, None]
    before = (f > t[:, None]) & (f <= t[:, None] + PRE_EVENT_DAYS)
    return np.hstack([ever, after, before]).astype(float)


def _ou_noise(pid: np.ndarray, t: np.ndarray, phi_per_year: float, sd: float, rng) -> np.ndarray:
    """OU noise along each patient's sorted days; rows must be sorted by (pid, t)."""
    n = len(t)
    z = rng.standard_normal(n) * sd
    if n == 0 or phi_per_year <= 0:
        return z
    first = np.r_[True, pid[1:] != pid[:-1]]
    gap = np.r_[0.0, np.diff(t)] / DAYS_PER_YEAR
    a = np.where(first, 0.0, phi_per_year ** np.maximum(gap, 0.0))
    innov = z * np.sqrt(1 - a ** 2)
    innov[first] = z[first]
    # e_j = a_j e_{j-1} + innov_j, run over the position within the patient (vectorised across patients)
    pos = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))
    e = innov.copy()
    order = np.argsort(pos, kind="stable")
    bounds = np.searchsorted(pos[order], np.arange(1, pos.max() + 2))
    for j in range(1, pos.max() + 1):
        rows = order[bounds[j - 1]:bounds[j]]
        e[rows] = a[rows] * e[rows - 1] + innov[rows]
    return e


def _variance_components(r: np.ndarray, pid: np.ndarray, t: np.ndarray, max_lag: int = 3):
    """(SD of the random intercept, SD of the OU process, OU correlation after one year) by moments.

    The semivariogram of a patient's residuals, E[(r_j - r_k)^2] / 2 = var_w (1 - phi^gap), does not
    involve the random intercept, so var_w and phi come from pairs up to `max_lag` visits apart
    (for each phi on a grid var_w has a closed least-squares form); var_u = var(r) - var_w.
    (Demeaning per patient instead would bias both SDs when the noise is autocorrelated.)
    """
    order = np.lexsort((t, pid))
    r, pid, t = r[order], pid[order], t[order]
    total = float(np.mean((r - r.mean()) ** 2))
    halves, gaps = [], []
    for lag in range(1, max_lag + 1):
        same = pid[lag:] == pid[:-lag]
        halves.append(((r[lag:] - r[:-lag]) ** 2 / 2)[same])
        gaps.append(((t[lag:] - t[:-lag]) / DAYS_PER_YEAR)[same])
    d, g = np.concatenate(halves), np.concatenate(gaps)
    keep = g < 10
    d, g = d[keep], g[keep]
    if len(d) < 20:  # mostly one value per patient: no way to tell the parts apart
        return 0.0, float(np.sqrt(total)), 0.0
    best = (np.inf, total, 0.0)
    for phi in np.linspace(0.0, 0.99, 100):
        w = 1 - phi ** g
        var_w = float(np.clip(np.sum(w * d) / max(np.sum(w * w), 1e-12), 0.0, total))
        sse = float(np.sum((d - var_w * w) ** 2))
        if sse < best[0]:
            best = (sse, var_w, phi)
    _, var_w, phi = best
    return float(np.sqrt(max(total - var_w, 0.0))), float(np.sqrt(var_w)), float(phi)


class TestModel:
    """One test's value model (module docstring)."""

    def fit(self, name: str, values: np.ndarray, design: np.ndarray, pid: np.ndarray, t: np.ndarray,
            ridge: float = 1e-3) -> "TestModel":
        self.name = name
        v = values.astype(float)
        levels = np.unique(v)
        self.discrete = bool(len(levels) <= 5 and np.allclose(levels, np.round(levels)))
        lo, hi = np.quantile(v, [0.001, 0.999])
        plo, phi = PHYSIOLOGICAL.get(name.lower(), (-np.inf, np.inf))
        self.range_ = ((float(max(lo, plo)), float(min(hi, phi))) if not self.discrete
                       else (float(levels.min()), float(levels.max())))
        self.outside_range_ = float(np.mean((v < self.range_[0]) | (v > self.range_[1])))
        v = np.clip(v, *self.range_)  # winsorised: a few impossible values (sbp 13,682) must not set the SDs
        self.log = bool(not self.discrete and v.min() > 0 and pd.Series(v).skew() > 0.5)
        y = np.log(v) if self.log else v
        A = design
        self.coef_ = np.linalg.solve(A.T @ A + ridge * np.eye(A.shape[1]), A.T @ y)
        r = y - A @ self.coef_
        self.sd_intercept_, self.sd_within_, self.phi_ = _variance_components(r, pid, t)
        self.levels_ = levels if self.discrete else np.array([])
        return self

    def sample(self, design: np.ndarray, pid: np.ndarray, t: np.ndarray, n_patients: int, rng) -> np.ndarray:
        u = rng.standard_normal(n_patients) * self.sd_intercept_
        y = design @ self.coef_ + u[pid] + _ou_noise(pid, t, self.phi_, self.sd_within_, rng)
        v = np.exp(y) if self.log else y
        v = np.clip(v, *self.range_)
        if self.discrete:
            v = np.clip(np.round(v), self.levels_.min(), self.levels_.max())
        return v

    def state(self, prefix: str) -> tuple[dict, dict]:
        cfg = {"name": self.name, "discrete": self.discrete, "log": self.log, "range": list(self.range_),
               "sd_intercept": self.sd_intercept_, "sd_within": self.sd_within_, "phi": self.phi_,
               "outside_range": self.outside_range_, "levels": [float(x) for x in self.levels_]}
        return cfg, {f"{prefix}coef": self.coef_}

    @classmethod
    def restore(cls, cfg: dict, tensors: dict, prefix: str) -> "TestModel":
        m = cls()
        m.name, m.discrete, m.log = cfg["name"], cfg["discrete"], cfg["log"]
        m.range_ = tuple(cfg["range"])
        m.sd_intercept_, m.sd_within_, m.phi_ = cfg["sd_intercept"], cfg["sd_within"], cfg["phi"]
        m.outside_range_, m.levels_ = cfg["outside_range"], np.asarray(cfg["levels"])
        m.coef_ = np.asarray(tensors[f"{prefix}coef"], float)
        return m


class VisitModel:
    """Visit counts and days of one panel (module docstring)."""

    def fit(self, tests: list[str], counts: np.ndarray, window_years: np.ndarray, X: np.ndarray,
            positions: np.ndarray) -> "VisitModel":
        from .design import poisson_fit

        self.tests = list(tests)
        D = np.hstack([np.ones((len(X), 1)), X])
        ok = window_years > 0
        self.coef_, _ = poisson_fit(D[ok], counts[ok].astype(float), window_years[ok], ridge=1e-3)
        mu = np.exp(D[ok] @ self.coef_) * window_years[ok]
        # gamma frailty variance theta from E[(N - mu)^2 - N] = theta mu^2
        self.theta_ = float(max(np.sum((counts[ok] - mu) ** 2 - counts[ok]) / max(np.sum(mu ** 2), 1e-12), 0.0))
        self.positions_ = np.quantile(positions, np.linspace(0, 1, N_POSITION_QUANTILES)) if len(positions) \
            else np.linspace(0, 1, N_POSITION_QUANTILES)
        return self

    def sample(self, X: np.ndarray, start: np.ndarray, end: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """-> (patient index per visit, visit day), sorted by patient then day."""
        window = np.maximum(end - start, 0.0) / DAYS_PER_YEAR
        mu = np.exp(np.hstack([np.ones((len(X), 1)), X]) @ self.coef_) * window
        if self.theta_ > 0:
            mu = mu * rng.gamma(1.0 / self.theta_, self.theta_, len(mu))
        n = rng.poisson(np.minimum(mu, 1e4))
        pid = np.repeat(np.arange(len(X)), n)
        u = np.interp(rng.random(len(pid)), np.linspace(0, 1, len(self.positions_)), self.positions_)
        day = np.round(start[pid] + u * (end[pid] - start[pid]))
        order = np.lexsort((day, pid))
        pid, day = pid[order], day[order]
        keep = np.r_[True, (pid[1:] != pid[:-1]) | (day[1:] != day[:-1])]  # one visit per day
        return pid[keep], day[keep]
