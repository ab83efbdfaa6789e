"""Image metrics against known truth."""

import numpy as np
import pytest

from pharmasynth.imaging.metrics import fid, image_metrics, ms_ssim_pairs, nearest_ssim


def _imgs(n, seed=0, size=32):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1, size, size)).cumsum(-1).cumsum(-2)
    x = x / np.abs(x).max(axis=(1, 2, 3), keepdims=True)
    return x.astype(np.float32)


def test_ms_ssim_of_identical_images_is_one():
    a = _imgs(4)
    np.testing.assert_allclose(ms_ssim_pairs(a, a), 1.0, atol=1e-4)
    assert ms_ssim_pairs(a, _imgs(4, seed=1)).max() < 0.9


def test_memorisation_flags_exact_copies():
    train, other = _imgs(10), _imgs(3, seed=5)
    synth = np.concatenate([train[[2, 7]], other])
    best, arg = nearest_ssim(synth, train)
    assert list(arg[:2]) == [2, 7] and np.all(best[:2] > 0.999) and np.all(best[2:] < 0.95)
    rows = {r.name: r for r in image_metrics(train, synth, training=train)}
    assert rows["near_copy_fraction"].value == pytest.approx(2 / 5)
    assert rows["near_copy_fraction"].group == "privacy"


def test_fid_zero_for_same_set_and_grows_with_shift():
    f = np.random.default_rng(0).normal(size=(300, 8))
    assert fid(f, f) == pytest.approx(0.0, abs=1e-3)
    assert fid(f, f + 0.5) > fid(f, f + 0.1) > 0.01
