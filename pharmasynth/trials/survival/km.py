"""Kaplan-Meier curves per arm (lifelines) and the default RMST horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ._inputs import check_survival


def km_curves(df: pd.DataFrame, time: str, event: str, group: str | None = None,
              alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier survival with pointwise `1-alpha` CIs (lifelines' exponential Greenwood), long
    format: group, time, survival, ci_low, ci_high, at_risk."""
    from lifelines import KaplanMeierFitter

    t, e = check_survival(df, time, event, [group] if group else [])
    groups = [(None, np.ones(len(df), bool))] if group is None else \
        [(g, (df[group] == g).to_numpy()) for g in sorted(df[group].dropna().unique(), key=str)]
    out = []
    for g, mask in groups:
        kmf = KaplanMeierFitter(alpha=alpha).fit(t[mask], e[mask], label=str(g))
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_
        out.append(pd.DataFrame({"group": g if g is not None else "all", "time": sf.index.to_numpy(),
                                 "survival": sf.to_numpy(), "ci_low": ci.iloc[:, 0].to_numpy(),
                                 "ci_high": ci.iloc[:, 1].to_numpy(),
                                 "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def default_tau(time, arm) -> float:
    """The usual RMST horizon: the smaller of the two arms' last follow-up times (Tian et al. 2020),
    so that both Kaplan-Meier curves are defined up to it."""
    time, arm = np.asarray(time, float), np.asarray(arm)
    lasts = [float(time[arm == a].max()) for a in (0, 1) if (arm == a).any()]
    if len(lasts) < 2:
        raise DataError("the RMST horizon needs follow-up in both arms.")
    return min(lasts)
