"""The lesion simulator: reproducible, mask of the specified size, contrast as specified."""

import numpy as np

from pharmasynth.imaging.shipped import simulate_lesion


def test_lesion_mask_area_contrast_and_seed():
    img = np.full((64, 64), 100.0)
    out, mask = simulate_lesion(img, random_state=3, radius=0.12, contrast=0.6, center=(32, 32))
    out2, mask2 = simulate_lesion(img, random_state=3, radius=0.12, contrast=0.6, center=(32, 32))
    np.testing.assert_array_equal(out, out2); np.testing.assert_array_equal(mask, mask2)
    r = 0.12 * 64
    area = np.pi * r * r
    assert 0.3 * area < mask.sum() < 2.5 * area          # semi-axes in [0.7, 1.3] x r, edge field +-30%
    core = mask & (np.roll(mask, 2, 0) & np.roll(mask, -2, 0) & np.roll(mask, 2, 1) & np.roll(mask, -2, 1))
    assert abs(np.median(out[core]) - 160.0) < 10          # 100 + 0.6 x local mean 100 inside the core
    assert out[0, 0] == 100.0 and out[-1, -1] == 100.0  # far from the lesion the slice is untouched
    assert not np.array_equal(simulate_lesion(img, random_state=4, center=(32, 32))[1], mask)


# ---- the shipped set: real volumes from several packages, split by source ----------------------------
import pytest  # noqa: E402

from pharmasynth.imaging.shipped import (CLASS_NAMES, SOURCES, build_shipped, draw_lesions,  # noqa: E402
                                         shipped_sources, write_shipped)


@pytest.fixture(scope="module")
def shipped():
    return build_shipped(size=16, random_state=0)


def test_at_least_three_source_volumes_per_common_class_and_split_by_source(shipped):
    table = shipped_sources()
    for cls in ("brain_epi", "brain_t1"):
        rows = table[table["class"] == cls]
        assert rows["source"].nunique() >= 3, cls
        assert set(rows["split"]) == {"train", "test"}
        assert rows["package"].nunique() >= 2, cls                      # more than one provider
    train_src = {s.split("[z")[0] for s in shipped["train"][3]}
    test_src = {s.split("[z")[0] for s in shipped["test"][3]}
    assert not train_src & test_src                                     # no volume in both
    # volumes split by time point share a file: both are on the same side
    by_file = {}
    for s in SOURCES:
        by_file.setdefault((s.package, s.path), set()).add(s.split)
    assert all(len(sides) == 1 for sides in by_file.values())
    assert all(lic for lic in table["licence"])


def test_shapes_counts_and_reproducibility(shipped):
    for split in ("train", "test"):
        x, y, names, srcs, masks = shipped[split]
        assert names == CLASS_NAMES and x.shape[1:] == (1, 16, 16) and x.dtype == np.float32
        assert x.min() >= -1 and x.max() <= 1 and len(srcs) == len(y) == len(masks)
        assert all((m is not None) == (lab == 2) for m, lab in zip(masks, y))
        assert np.bincount(y, minlength=3).min() >= 4
    train_counts = np.bincount(shipped["train"][1])
    assert train_counts[2] < train_counts[:2].min() / 4                 # the lesion class is rare in train
    again = build_shipped(size=16, random_state=0)
    np.testing.assert_array_equal(again["train"][0], shipped["train"][0])
    other = build_shipped(size=16, random_state=1)
    rare = shipped["train"][1] == 2
    assert not np.array_equal(other["train"][0][rare], shipped["train"][0][rare])
    np.testing.assert_array_equal(other["train"][0][~rare], shipped["train"][0][~rare])


def test_draw_lesions_fresh_reproducible_and_from_the_right_split(shipped):
    x, m, srcs = draw_lesions(5, size=16, random_state=0)
    x2, _, _ = draw_lesions(5, size=16, random_state=0)
    np.testing.assert_array_equal(x, x2)
    assert x.shape == (5, 1, 16, 16) and m.shape == (5, 16, 16) and m.any(axis=(1, 2)).all()
    train_t1 = {s.name for s in SOURCES if s.class_name == "brain_t1" and s.split == "train"}
    assert {s.split("[z")[0] for s in srcs} <= train_t1
    shipped_lesions = shipped["train"][0][shipped["train"][1] == 2]
    for img in x:   # never one of the shipped training lesions
        assert np.abs(shipped_lesions - img).max(axis=(1, 2, 3)).min() > 1e-3
    xt, _, srct = draw_lesions(2, size=16, split="test", random_state=0)
    assert all(s.startswith("nibabel:small_mnc") for s in srct)
    assert draw_lesions(0, size=16)[0].shape == (0, 1, 16, 16)


def test_write_shipped_reads_back_exactly(tmp_path, shipped):
    from pharmasynth.imaging.datasets import ImageFolder

    res = write_shipped(tmp_path, size=16, format="nifti")
    assert res["train"] == len(shipped["train"][1]) and res["sources"].is_file()
    back = ImageFolder(tmp_path / "train", size=16)
    assert back.class_names == CLASS_NAMES
    x, y = shipped["train"][0], shipped["train"][1]
    for k in range(3):   # same images per class (files are read in name order)
        a = np.sort(back.images[back.labels == k].reshape(-1))
        b = np.sort(x[y == k].reshape(-1))
        np.testing.assert_allclose(a, b, atol=1e-7)
    import json

    lesion_meta = json.loads(next((tmp_path / "train" / "lesion").glob("*.json")).read_text())
    assert lesion_meta["synthetic"] == "false" and lesion_meta["simulated_lesion"] == "true"
    assert "SIMULATED lesion" in lesion_meta["content"] and lesion_meta["licence"]
