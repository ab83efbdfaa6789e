"""LinearGaussianTwin: the known-parameter twin follows the sampling-stream policy and saves like every model."""

import numpy as np
import pandas as pd

from pharmasynth.trials import LinearGaussianTwin


def _pool():
    return pd.DataFrame({"x": np.random.default_rng(0).normal(size=20)})


def test_sample_continues_rng_and_explicit_seed_leaves_it():
    twin = LinearGaussianTwin(["x"], [2.0], intercept=1.0, sd=0.5, random_state=3)
    pool = _pool()
    first, second = twin.sample(pool, 2), twin.sample(pool, 2)
    assert not first.equals(second)
    assert first.equals(LinearGaussianTwin(["x"], [2.0], 1.0, 0.5, random_state=3).sample(pool, 2))
    assert first.equals(twin.sample(pool, 2, random_state=3))  # an explicit seed: its own stream
    fresh = LinearGaussianTwin(["x"], [2.0], 1.0, 0.5, random_state=3)
    fresh.sample(pool, 2), fresh.sample(pool, 2)
    assert twin.sample(pool, 2).equals(fresh.sample(pool, 2))  # ... and rng_ went on where it was


def test_save_load_round_trip(tmp_path):
    twin = LinearGaussianTwin(["x"], [2.0], intercept=1.0, sd=0.5, outcome="y", random_state=4)
    twin.save(tmp_path / "t")
    back = LinearGaussianTwin.load(tmp_path / "t")
    assert back.get_params() == twin.get_params()
    pool = _pool()
    pd.testing.assert_frame_equal(back.predict(pool), twin.predict(pool))
    assert back.sample(pool, 3).equals(LinearGaussianTwin(["x"], [2.0], 1.0, 0.5, "y", random_state=4).sample(pool, 3))
