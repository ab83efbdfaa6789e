"""End of follow-up when nobody dies: the censoring distribution, by the reverse Kaplan-Meier.

Deaths censor the censoring time, so the censoring survival curve is Kaplan-Meier with the event
indicator flipped (lifelines' KaplanMeierFitter). It is kept per stratum of one covariate
(tertiles; age for NAFLD: older patients entered later in calendar time and are followed less)
as the curve on a fixed grid of days, an aggregate with no record in it.
"""

from __future__ import annotations

import numpy as np

N_GRID = 200


class CensoringModel:
    def fit(self, followup: np.ndarray, died: np.ndarray, stratifier: np.ndarray) -> "CensoringModel":
        from lifelines import KaplanMeierFitter

        self.cuts_ = np.nanquantile(stratifier, [1 / 3, 2 / 3]) if np.isfinite(stratifier).any() else np.array([0.0, 0.0])
        strata = self._strata(stratifier)
        self.grid_ = np.linspace(0.0, float(followup.max()), N_GRID)
        self.survival_ = np.ones((3, N_GRID))
        for s in range(3):
            m = strata == s
            if m.sum() < 5:
                m = np.ones(len(followup), bool)
            km = KaplanMeierFitter().fit(followup[m], event_observed=~died[m].astype(bool))
            self.survival_[s] = km.survival_function_at_times(self.grid_).to_numpy()
        return self

    def _strata(self, stratifier: np.ndarray) -> np.ndarray:
        x = np.where(np.isfinite(stratifier), stratifier, np.nanmedian(stratifier) if np.isfinite(stratifier).any() else 0)
        return np.searchsorted(self.cuts_, x, side="right")

    def sample(self, stratifier: np.ndarray, rng) -> np.ndarray:
        """Censoring days by inverse CDF; beyond the last observed day the curve's tail sits at the maximum."""
        strata = self._strata(stratifier)
        u = rng.random(len(strata))
        out = np.empty(len(strata))
        for s in range(3):
            m = strata == s
            surv = self.survival_[s]
            # first grid day where S(t) <= u; if none, the end of the grid
            idx = np.minimum(np.searchsorted(-surv, -u[m], side="left"), N_GRID - 1)
            lo = self.grid_[np.maximum(idx - 1, 0)]
            out[m] = lo + rng.random(m.sum()) * (self.grid_[idx] - lo)
        return out

    def state(self) -> dict:
        return {"censor.cuts": self.cuts_, "censor.grid": self.grid_, "censor.survival": self.survival_}

    @classmethod
    def restore(cls, tensors: dict) -> "CensoringModel":
        m = cls()
        m.cuts_ = np.asarray(tensors["censor.cuts"], float)
        m.grid_ = np.asarray(tensors["censor.grid"], float)
        m.survival_ = np.asarray(tensors["censor.survival"], float)
        return m
