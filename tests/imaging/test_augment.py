"""The augmentation workflow end to end with a tiny generator (real classifier, real filters)."""

import numpy as np

from pharmasynth.imaging.augment import augment_rare_class


def _data(n_per, seed, size=16):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, n in enumerate(n_per):
        x = rng.normal(0, 0.3, (n, 1, size, size))
        x[:, :, c * 4:(c * 4) + 4, :] += 1.0  # a class-specific bright band
        xs.append(np.clip(x, -1, 1)); ys.append(np.full(n, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def test_augmentation_end_to_end_with_a_tiny_generator():
    xtr, ytr = _data([30, 30, 4], 0)
    xte, yte = _data([15, 15, 15], 1)
    names = ["a", "b", "lesion"]

    def gen(n, label, seed):
        x, _ = _data([0, 0, n] if label == 2 else [n, 0, 0], 100 + seed)
        return np.concatenate([x[:-2], xtr[ytr == 2][:2]])  # two exact copies of training images

    res = augment_rare_class((xtr, ytr, names), (xte, yte, names), rare="lesion", k=5, generator=gen,
                             seeds=(0, 1), n_bootstrap=50, classifier_kwargs={"epochs": 5})
    d = res.to_dict()
    assert d["filter_counts"]["generated"] == 20
    assert d["filter_counts"]["after_near_copy_filter"] == 18  # the two copies are dropped
    for arm in ("real_only", "real_plus_synthetic"):
        r = d[arm]["per_class_recall"]["lesion"]
        assert r["ci_low"] <= r["value"] <= r["ci_high"]
        assert 0 <= d[arm]["balanced_accuracy"]["value"] <= 1
    assert d["real_plus_synthetic"]["n_train"] == 64 + d["filter_counts"]["after_classifier_filter"]
