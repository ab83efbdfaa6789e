"""LinearGaussianTwin: y = intercept + X @ coef + N(0, sd^2), a twin with known parameters.

It has what the trial simulator and the analyses use of a twin - `predict(df)` (the predictive
mean, one column per visit), `predict_interval(df, level)` and `sample(df, n_draws, random_state)`
(rows patient x draw, patient-major, with columns id, draw and the visit) - so it stands in for a
fitted `DigitalTwin` in tests and benchmarks, and documents what a twin must provide.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..._util.random import RandomStateMixin
from ..._util.serialization import SavableMixin
from ...errors import SchemaError


class LinearGaussianTwin(RandomStateMixin, SavableMixin):
    """y = intercept + X @ coef + N(0, sd^2) on the `baseline` columns; `outcome` names the visit.

    `sample(random_state=None)` continues the stream `rng_` started at `random_state` (None:
    fresh entropy); the parameters are known, so there is no fit.
    """

    def __init__(self, baseline, coef, intercept: float = 0.0, sd: float = 1.0, outcome: str = "y",
                 random_state=None):
        self.baseline, self.coef = list(baseline), [float(c) for c in np.asarray(coef, float).reshape(-1)]
        self.intercept, self.sd, self.outcome, self.random_state = float(intercept), float(sd), outcome, random_state
        if len(self.coef) != len(self.baseline):
            raise ValueError("one coefficient per baseline column.")
        self._start_sampling()

    @property
    def visits(self) -> list[str]:
        return [self.outcome]

    def _mean(self, df: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.baseline if c not in df.columns]
        if missing:
            raise SchemaError(f"baseline column(s) {missing} missing.")
        return self.intercept + df[self.baseline].to_numpy(float) @ np.asarray(self.coef)

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({self.outcome: self._mean(df)}, index=df.index)

    @classmethod
    def from_data(cls, df: pd.DataFrame, baseline, outcome: str, random_state=None) -> "LinearGaussianTwin":
        """Least-squares fit on complete rows (a plain stand-in for a fitted DigitalTwin)."""
        cols = list(baseline)
        d = df[cols + [outcome]].dropna()
        X = np.column_stack([np.ones(len(d)), d[cols].to_numpy(float)])
        beta, *_ = np.linalg.lstsq(X, d[outcome].to_numpy(float), rcond=None)
        resid = d[outcome].to_numpy(float) - X @ beta
        return cls(cols, beta[1:], beta[0], float(np.sqrt(resid @ resid / (len(d) - X.shape[1]))), outcome,
                   random_state)

    def predict_interval(self, df: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
        from scipy import stats

        mu = self._mean(df)
        h = stats.norm.ppf(0.5 + level / 2) * self.sd
        return pd.DataFrame({f"{self.outcome}_lower": mu - h, f"{self.outcome}_upper": mu + h}, index=df.index)

    def sample(self, df: pd.DataFrame, n_draws: int = 1, random_state=None) -> pd.DataFrame:
        rng = self._sampling_rng(random_state)
        mu = self._mean(df)
        y = mu[:, None] + self.sd * rng.standard_normal((len(df), n_draws))
        return pd.DataFrame({"id": np.repeat(np.arange(len(df)), n_draws),
                             "draw": np.tile(np.arange(n_draws), len(df)), self.outcome: y.reshape(-1)})

    # persistence (SavableMixin): the parameters are the settings; there are no weights
    def _check_fitted(self):
        pass

    def _state(self):
        return {}, {}

    def _restore(self, config, tensors):
        pass
