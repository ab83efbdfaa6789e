"""Trial design: how many patients a PROCOVA trial needs, and what an adjusted analysis is worth.

sample_size_procova    sample sizes of a two-arm comparison of means, unadjusted vs PROCOVA, at the
                       same power (normal approximation, variance factor 1 - rho^2)
effective_sample_size  the patients an unadjusted analysis would need to match an adjusted SE
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def sample_size_procova(effect: float, sd: float, rho: float, alpha: float = 0.05, power: float = 0.8,
                        ratio: float = 1.0) -> pd.DataFrame:
    """Sample sizes for a two-arm comparison of means, unadjusted vs PROCOVA, at the same power.

    Normal approximation (two-sided ``alpha``), with ``ratio`` = n_treated / n_control:

        Var(effect) = sd^2 (1/n_c + 1/n_t),   required Var = (effect / (z_{1-alpha/2} + z_power))^2.

    PROCOVA replaces sd^2 by sd^2 (1 - rho^2) - the large-sample variance factor of Schuler et al.
    (2021, Int J Biostat, "Increasing the efficiency of randomized trial estimates via linear
    adjustment for a prognostic score"), as used in the EMA qualification opinion (2022). Their
    refinement (a t-quantile and an inflation for an imperfectly estimated rho) is not applied;
    round up, and consider a conservative rho. Rows:

    * ``unadjusted``: the usual design.
    * ``procova``: the same allocation ratio, every arm shrunk by 1 - rho^2.
    * ``procova_reduced_control``: the treated arm kept as in the unadjusted design and only the
      control arm shrunk - the "smaller control arm at the same power" design.
    """
    if not 0 <= abs(rho) < 1:
        raise ValueError(f"rho must lie in (-1, 1); got {rho}.")
    if effect == 0 or sd <= 0 or ratio <= 0:
        raise ValueError("effect must be non-zero, sd and ratio positive.")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    target_var = (effect / z) ** 2
    rows = []

    def _row(design, var, n_c, n_t):
        n_c, n_t = int(np.ceil(n_c - 1e-9)), int(np.ceil(n_t - 1e-9))
        achieved = stats.norm.cdf(abs(effect) / np.sqrt(var * (1 / n_c + 1 / n_t)) - stats.norm.ppf(1 - alpha / 2))
        rows.append({"design": design, "n_control": n_c, "n_treated": n_t, "n_total": n_c + n_t,
                     "variance_factor": var / sd**2, "power": float(achieved)})

    var_u = sd**2
    n_c_u = var_u * (1 + 1 / ratio) / target_var
    _row("unadjusted", var_u, n_c_u, ratio * n_c_u)
    var_p = sd**2 * (1 - rho**2)
    n_c_p = var_p * (1 + 1 / ratio) / target_var
    _row("procova", var_p, n_c_p, ratio * n_c_p)
    n_t = int(np.ceil(ratio * n_c_u - 1e-9))
    room = target_var / var_p - 1 / n_t
    _row("procova_reduced_control", var_p, 1 / room if room > 0 else np.inf, n_t)
    frame = pd.DataFrame(rows).set_index("design")
    frame.attrs.update(effect=effect, sd=sd, rho=rho, alpha=alpha, power=power, ratio=ratio,
                       formula="normal approximation, variance factor 1 - rho^2 (Schuler et al. 2021)")
    return frame


def effective_sample_size(se_unadjusted: float, se_adjusted: float, n: int) -> dict:
    """Patients the unadjusted analysis would need to reach the adjusted SE: n (SE_u / SE_a)^2."""
    factor = (se_unadjusted / se_adjusted) ** 2
    return {"n": int(n), "variance_ratio": float(1 / factor), "effective_n": float(n * factor),
            "patients_gained": float(n * factor - n)}
