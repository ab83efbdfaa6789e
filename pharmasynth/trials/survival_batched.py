"""Per-look analyses of a stack of survival trials, all trials at once: log-rank, Cox, adjusted Cox, RMST.

Every analysis starts from the same per-trial sort of the patients by time at the look:

logrank        U = sum over events of (treated - n_t / n), V its hypergeometric variance; z = U / sqrt(V)
cox            Cox model on treatment (Newton-Raphson on the stacked partial likelihoods); Wald z
cox_adjusted   Cox model on treatment + the twin's risk score (the survival analogue of PROCOVA:
               a prognostic score as covariate); Wald z of treatment
rmst           difference in restricted mean survival time (treated - control) up to ``tau``,
               Kaplan-Meier per arm, with the Greenwood-type variance; z = difference / SE

Times are continuous, so there are no tied event times and Breslow = Efron = exact partial
likelihood (lifelines' CoxPHFitter gives the same estimates; see the tests). The sign convention
of every z: positive = the treated arm does better (a smaller hazard, a longer RMST) when
``benefit_sign`` = -1 (a design looking for HR < 1).
"""

from __future__ import annotations

import numpy as np

ANALYSES = ("logrank", "cox", "cox_adjusted", "rmst")


def _revcumsum(a, axis=1):
    return np.flip(np.cumsum(np.flip(a, axis), axis), axis)


def sorted_at_look(stack, columns, cutoff, score=None):
    """The patients of ``columns`` at calendar time ``cutoff`` (B,), sorted by time per trial.

    Returns dict: time, event, present, treated (B, N) sorted, and score (B, N) sorted when given.
    """
    entry = stack.entry[:, columns]
    follow = cutoff[:, None] - entry
    present = follow > 0
    ev_t, drop_t = stack.event_time[:, columns], stack.dropout_time[:, columns]
    time = np.where(present, np.minimum(np.minimum(ev_t, drop_t), follow), np.inf)
    event = present & (ev_t <= np.minimum(drop_t, follow))
    order = np.argsort(time, axis=1, kind="stable")
    out = {"time": np.take_along_axis(time, order, axis=1), "event": np.take_along_axis(event, order, axis=1),
           "present": np.take_along_axis(present, order, axis=1)}
    out["treated"] = stack.treated[columns][order] & out["present"]
    if score is not None:
        out["score"] = np.take_along_axis(score[:, columns], order, axis=1)
    keep = max(int(out["present"].sum(axis=1).max()), 1)  # patients not yet entered sort last: drop them
    return {k: v[:, :keep] for k, v in out.items()}


def logrank_sorted(s):
    """(U, V) of the log-rank test, U = observed - expected treated events."""
    pr, tr, ev = s["present"], s["treated"], s["event"]
    n = _revcumsum(pr).astype(float)
    n_t = _revcumsum(tr).astype(float)
    frac = np.divide(n_t, n, out=np.zeros_like(n), where=n > 0)
    return np.sum(ev * (tr - frac), axis=1), np.sum(ev * frac * (1 - frac), axis=1)


def cox_sorted(s, adjusted: bool = False, max_iter: int = 30, tol: float = 1e-9):
    """Cox estimates for every trial: (beta of treatment, its SE, converged). Newton-Raphson from 0."""
    pr, ev = s["present"], s["event"]
    cols = [s["treated"].astype(float)]
    if adjusted:
        sc = np.where(pr, s["score"], 0.0)
        mean = np.sum(sc, axis=1, keepdims=True) / np.maximum(pr.sum(axis=1, keepdims=True), 1)
        cols.append(np.where(pr, sc - mean, 0.0))  # centred: a better-conditioned Newton
    X = np.stack(cols, axis=-1)  # (B, N, p)
    B, N, p = X.shape
    beta = np.zeros((B, p))
    converged = np.zeros(B, bool)
    info = np.tile(np.eye(p), (B, 1, 1))
    pairs = [(i, j) for i in range(p) for j in range(i, p)]
    # x_i x_j per pair; the treatment column is 0/1, so its square is itself (one cumulative sum less)
    prods = [None if (i == j == 0) else X[..., i] * X[..., j] for i, j in pairs]
    evf = ev.astype(float)
    for _ in range(max_iter):
        eta = np.where(pr, np.einsum("bnp,bp->bn", X, beta), -np.inf)
        w = np.exp(eta - np.max(eta, axis=1, keepdims=True))  # 0 for absent patients
        S0 = _revcumsum(w)
        safe = np.where(S0 > 0, S0, 1.0)
        m1 = np.stack([_revcumsum(w * X[..., i]) for i in range(p)], axis=-1) / safe[..., None]
        U = np.einsum("bn,bnp->bp", evf, X - m1)
        for (i, j), xx in zip(pairs, prods):
            m2 = m1[..., 0] if xx is None else _revcumsum(w * xx) / safe
            info[:, i, j] = info[:, j, i] = np.einsum("bn,bn->b", evf, m2 - m1[..., i] * m1[..., j])
        ok = np.abs(np.linalg.det(info)) > 1e-12
        step = np.zeros_like(beta)
        step[ok] = np.linalg.solve(info[ok], U[ok][..., None])[..., 0]
        step = np.clip(step, -2.0, 2.0)  # damped: separation in tiny trials must not explode
        beta = beta + step
        converged = np.max(np.abs(step), axis=1) < tol
        if converged.all():
            break
    var = np.full(B, np.nan)
    ok = np.abs(np.linalg.det(info)) > 1e-12
    var[ok] = np.linalg.inv(info[ok])[:, 0, 0]
    return beta[:, 0], np.sqrt(var), converged


def rmst_sorted(s, tau):
    """RMST difference (treated - control) up to ``tau`` (B,) and its SE, Kaplan-Meier per arm."""
    t, ev, pr, tr = s["time"], s["event"], s["present"], s["treated"]
    out_d, out_v = [], []
    for arm in (tr, pr & ~tr):
        n = _revcumsum(arm).astype(float)
        d = (ev & arm).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            haz = np.where(n > 0, d / n, 0.0)
            green = np.where((n - d) > 0, d / (n * (n - d)), 0.0)
        surv = np.cumprod(1 - haz, axis=1)  # S just after each row's time
        tt = np.minimum(np.where(np.isfinite(t), t, np.inf), tau[:, None])
        prev_t = np.concatenate([np.zeros((t.shape[0], 1)), tt[:, :-1]], axis=1)
        prev_s = np.concatenate([np.ones((t.shape[0], 1)), surv[:, :-1]], axis=1)
        area_pieces = prev_s * np.maximum(tt - prev_t, 0)
        rmst = area_pieces.sum(axis=1) + surv[:, -1] * np.maximum(tau - tt[:, -1], 0)
        # Greenwood-type variance: sum over event times t_j < tau of (area beyond t_j)^2 d / (n (n - d))
        area_after = rmst[:, None] - np.cumsum(area_pieces, axis=1)
        var = np.sum(np.where((t < tau[:, None]) & (d > 0), area_after**2 * green, 0.0), axis=1)
        out_d.append(rmst)
        out_v.append(var)
    return out_d[0] - out_d[1], np.sqrt(out_v[0] + out_v[1])


def analyse_look(s, analyses, benefit_sign: float, tau=None) -> dict:
    """analysis -> (z (B,), estimate (B,)): log HR for logrank (Peto) and the Cox models, the RMST
    difference for rmst. z > 0 is the benefit the design looks for."""
    out = {}
    for a in analyses:
        if a == "logrank":
            U, V = logrank_sorted(s)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[a] = (np.where(V > 0, benefit_sign * U / np.sqrt(V), 0.0), np.where(V > 0, U / V, np.nan))
        elif a in ("cox", "cox_adjusted"):
            b, se, _ = cox_sorted(s, adjusted=a == "cox_adjusted")
            with np.errstate(invalid="ignore", divide="ignore"):
                out[a] = (np.where(se > 0, benefit_sign * b / se, 0.0), b)
        elif a == "rmst":
            diff, se = rmst_sorted(s, tau)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[a] = (np.where(se > 0, -benefit_sign * diff / se, 0.0), diff)
        else:
            raise ValueError(f"analysis={a!r} is not one of {', '.join(map(repr, ANALYSES))}.")
    return out
