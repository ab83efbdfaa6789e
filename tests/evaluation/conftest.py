import numpy as np
import pandas as pd
import pytest


def make_table(n, rng, rho=0.9):
    """Mixed table with a strong numeric correlation, a categorical tied to it, missing values."""
    x = rng.normal(size=n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n)
    df = pd.DataFrame({
        "x": x,
        "y": y,
        "grade": np.where(x > 0.5, "high", np.where(x < -0.5, "low", "mid")),
        "count": rng.poisson(3 + (x > 0), n).astype(float),
        "site": rng.choice(["a", "b", "c", "d"], n),
        "flag": rng.random(n) < 0.3 + 0.4 * (y > 0),
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })
    df.loc[rng.random(n) < 0.1, "count"] = np.nan
    return df


@pytest.fixture
def tables():
    rng = np.random.default_rng(42)
    return make_table(1200, rng), make_table(1200, rng), make_table(600, rng)
