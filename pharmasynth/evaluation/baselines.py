"""Deliberately simple generators that give the metrics something to beat."""

from __future__ import annotations

import pandas as pd

from .._util.random import RandomStateMixin
from ..errors import DataError, NotFittedError


class IndependentMarginals(RandomStateMixin):
    """Resample every column on its own from the real values (missing values included).

    Each column's shape is perfect by construction while every relation between columns is
    destroyed, so pair-trend and detection metrics should flag it. Note that it copies real
    values, so it is a fidelity baseline, not a privacy-safe generator (rows are new
    combinations, but rare values are reproduced verbatim). It keeps the training values in
    memory and has no `save`.

    Randomness: `fit` draws nothing and starts the sampling stream `rng_` at `random_state`;
    `sample(n)` continues `rng_`, `sample(n, random_state=s)` draws from `s` and leaves `rng_` alone.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, data: pd.DataFrame) -> "IndependentMarginals":
        if not isinstance(data, pd.DataFrame) or len(data) == 0:
            raise DataError("IndependentMarginals.fit needs a non-empty pandas DataFrame.")
        self.columns_ = list(data.columns)
        self.dtypes_ = data.dtypes.to_dict()
        self.values_ = {c: data[c].to_numpy() for c in data.columns}
        self._start_sampling()
        return self

    def sample(self, n: int, random_state=None) -> pd.DataFrame:
        if not hasattr(self, "values_"):
            raise NotFittedError("IndependentMarginals: call fit(data) before sample(n).")
        rng = self._sampling_rng(random_state)
        out = {c: v[rng.integers(0, len(v), n)] for c, v in self.values_.items()}
        return pd.DataFrame(out, columns=self.columns_).astype(self.dtypes_)
