"""Kaplan-Meier jackknife pseudo-observations (Andersen & Perme 2010) of S(tau) and RMST(tau),
vectorised: leaving patient i out only lowers the at-risk counts up to t_i and, if i had an event,
the event count at t_i, so every leave-one-out curve comes from one (patients x event times) array.

The mean of the pseudo-observations equals the Kaplan-Meier estimate itself; regressing them on
baseline covariates is the augmentation behind the adjusted estimators in `adjusted.py`.
"""

from __future__ import annotations

import numpy as np

CHUNK = 2048  # patients per block: keeps the (patients x event times) arrays small


def _km_functionals(t_all, e_all, times, widths, tau_index, drop=None):
    """S(tau) and RMST(tau) of the KM curve, for the full sample (drop None) or leaving out each
    patient of `drop` (indices into t_all) in turn."""
    at_risk = len(t_all) - np.searchsorted(np.sort(t_all), times, side="left")
    in_window = (e_all == 1) & (t_all <= (times[-1] if len(times) else -np.inf))   # events after tau do not count
    d = np.bincount(np.searchsorted(times, t_all[in_window]), minlength=len(times)).astype(float)
    if drop is None:
        Y, D = at_risk[None, :].astype(float), d[None, :]
    else:
        ti, ei = t_all[drop][:, None], e_all[drop][:, None]
        Y = at_risk[None, :] - (ti >= times[None, :])
        D = d[None, :] - ((ti == times[None, :]) & (ei == 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(Y > 0, D / Y, 0.0)
    S = np.cumprod(1.0 - h, axis=1)                         # S just after each event time
    S = np.concatenate([np.ones((S.shape[0], 1)), S], axis=1)  # S on [0, t_1), [t_1, t_2), ...
    surv_tau = S[:, tau_index]
    rmst = S @ widths
    return surv_tau, rmst


def km_pseudo_values(time, event, tau: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Pseudo-observations of S(tau) and RMST(tau) for each patient of one arm.

    Returns (pseudo_surv, pseudo_rmst, km_surv_tau, km_rmst_tau).
    """
    t = np.asarray(time, float)
    e = np.asarray(event, float)
    n = len(t)
    times = np.unique(t[(e == 1) & (t <= tau)])
    grid = np.r_[0.0, times, tau]
    widths = np.diff(grid)                                   # S is constant on each piece
    tau_index = len(times)                                   # last piece: S just after the last time <= tau
    s_full, r_full = _km_functionals(t, e, times, widths, tau_index)
    ps, pr = np.empty(n), np.empty(n)
    for start in range(0, n, CHUNK):
        idx = np.arange(start, min(n, start + CHUNK))
        s_loo, r_loo = _km_functionals(t, e, times, widths, tau_index, drop=idx)
        ps[idx] = n * s_full[0] - (n - 1) * s_loo
        pr[idx] = n * r_full[0] - (n - 1) * r_loo
    return ps, pr, float(s_full[0]), float(r_full[0])
