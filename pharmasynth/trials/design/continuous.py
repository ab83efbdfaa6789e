"""Sample sizes of a two-arm comparison of means: unadjusted vs PROCOVA, normal or exact t.

sample_size_procova    unadjusted / PROCOVA / PROCOVA with a reduced control arm, at the same power
effective_sample_size  the patients an unadjusted analysis would need to match an adjusted SE
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ...errors import UsageError
from .checks import check_alpha_power, check_positive

METHODS = ("normal", "t")


def conservative_rho(rho: float, n_estimated: int | None, level: float = 0.95) -> float:
    """|rho| shrunk to the one-sided ``level`` lower confidence bound of a correlation estimated on
    ``n_estimated`` patients (Fisher z): the cautious rho Schuler et al. (2021) advise designing with."""
    if n_estimated is None:
        return abs(rho)
    if n_estimated < 5:
        raise UsageError(f"rho_n={n_estimated}: a correlation needs at least 5 patients to be estimated.")
    z = math.atanh(abs(rho)) - stats.norm.ppf(level) / math.sqrt(n_estimated - 3)
    return max(0.0, math.tanh(z))


def _power(effect, var, n_c, n_t, alpha, sided, method, n_covariates):
    """Power of the (adjusted) two-sample test with n_c, n_t patients."""
    N = n_c + n_t
    se = math.sqrt(var * (1 / n_c + 1 / n_t))
    if method == "normal":
        return float(stats.norm.sf(stats.norm.isf(alpha / sided) - abs(effect) / se))
    df = N - 2 - n_covariates
    if df < 1:
        return 0.0
    # estimating the slope of a random (normal) covariate inflates the variance by (N-2)/(N-3)
    # on average (Borm et al. 2007; Schuler et al. 2021 use it for PROCOVA's score)
    if n_covariates:
        se *= math.sqrt((N - 2) / max(N - 2 - n_covariates, 1e-9))
    crit = stats.t.isf(alpha / sided, df)
    return float(stats.nct.sf(crit, df, abs(effect) / se))


def _solve_n(effect, var, ratio, alpha, power, sided, method, n_covariates):
    """Smallest control-arm n (treated = ceil(ratio n)) whose power reaches ``power``."""
    z = stats.norm.isf(alpha / sided) + stats.norm.isf(1 - power)
    n0 = max(2.0, var * (1 + 1 / ratio) * (z / effect) ** 2)
    n = int(math.ceil(n0 - 1e-9))
    if method == "normal":
        return n
    n = max(2, n - 2)
    while _power(effect, var, n, math.ceil(ratio * n - 1e-9), alpha, sided, method, n_covariates) < power:
        n += 1
    return n


def sample_size_procova(effect: float, sd: float, rho: float, alpha: float = 0.05, power: float = 0.8,
                        ratio: float = 1.0, sided: int = 2, method: str = "normal",
                        rho_n: int | None = None) -> pd.DataFrame:
    """Sample sizes for a two-arm comparison of means, unadjusted vs PROCOVA, at the same power.

    ``ratio`` = n_treated / n_control; ``sided`` 2 (default) or 1. ``method``:

    * ``"normal"``: Var(effect) = sd^2 (1/n_c + 1/n_t) and the normal quantiles
      (z_{1-alpha/s} + z_power); about one patient per arm fewer than the t-test needs.
    * ``"t"``: the exact t-test (noncentral t power, df = N - 2, or N - 3 with the prognostic
      score); PROCOVA's variance also carries the (N - 2) / (N - 3) inflation for estimating the
      score's slope.

    PROCOVA replaces sd^2 by sd^2 (1 - rho^2) (Schuler et al. 2021, Int J Biostat; EMA
    qualification opinion 2022). When rho was estimated on ``rho_n`` historical patients it is
    first shrunk to its 95% lower confidence bound (``conservative_rho``). Rows: ``unadjusted``;
    ``procova`` (same ratio, every arm shrunk); ``procova_reduced_control`` (treated arm as in the
    unadjusted design, only the control arm shrunk).
    """
    alpha, power, sided = check_alpha_power(alpha, power, sided)
    if method not in METHODS:
        raise UsageError(f"method={method!r} is not one of {', '.join(map(repr, METHODS))}.")
    try:
        effect = float(effect)
    except (TypeError, ValueError):
        raise UsageError(f"effect must be a number; got {effect!r}.") from None
    if effect == 0 or not math.isfinite(effect):
        raise UsageError(f"effect must be a non-zero finite number; got {effect!r}.")
    sd, ratio = check_positive("sd", sd), check_positive("ratio", ratio)
    if not -1 < float(rho) < 1:
        raise UsageError(f"rho must lie in (-1, 1); got {rho}.")
    rho_design = conservative_rho(float(rho), rho_n)
    rows = []

    def _row(design, var, n_c, n_t, k):
        n_c, n_t = int(n_c), int(n_t)
        rows.append({"design": design, "n_control": n_c, "n_treated": n_t, "n_total": n_c + n_t,
                     "variance_factor": var / sd**2,
                     "power": _power(effect, var, n_c, n_t, alpha, sided, method, k)})

    var_u, var_p = sd**2, sd**2 * (1 - rho_design**2)
    n_c_u = _solve_n(effect, var_u, ratio, alpha, power, sided, method, 0)
    n_t_u = int(math.ceil(ratio * n_c_u - 1e-9))
    _row("unadjusted", var_u, n_c_u, n_t_u, 0)
    n_c_p = _solve_n(effect, var_p, ratio, alpha, power, sided, method, 1)
    _row("procova", var_p, n_c_p, int(math.ceil(ratio * n_c_p - 1e-9)), 1)

    def reduced_power(n_c):
        return _power(effect, var_p, n_c, n_t_u, alpha, sided, method, 1) - power
    if reduced_power(10**7) < 0:
        n_c_r = np.inf
    else:
        lo = 2
        if reduced_power(lo) >= 0:
            n_c_r = lo
        else:
            n_c_r = math.ceil(optimize.brentq(reduced_power, lo, 10**7, xtol=1e-6) - 1e-9)
            while reduced_power(n_c_r) < 0:  # the root of a continuous relaxation: make sure
                n_c_r += 1
    if np.isfinite(n_c_r):
        _row("procova_reduced_control", var_p, n_c_r, n_t_u, 1)
    frame = pd.DataFrame(rows).set_index("design")
    frame.attrs.update(effect=effect, sd=sd, rho=float(rho), rho_design=rho_design, rho_n=rho_n, alpha=alpha,
                       power=power, ratio=ratio, sided=sided, method=method,
                       formula=("normal approximation" if method == "normal" else "exact t (noncentral t)")
                       + ", variance factor 1 - rho^2 (Schuler et al. 2021)")
    return frame


def effective_sample_size(se_unadjusted: float, se_adjusted: float, n: int) -> dict:
    """Patients the unadjusted analysis would need to reach the adjusted SE: n (SE_u / SE_a)^2."""
    factor = (se_unadjusted / se_adjusted) ** 2
    return {"n": int(n), "variance_ratio": float(1 / factor), "effective_n": float(n * factor),
            "patients_gained": float(n * factor - n)}
