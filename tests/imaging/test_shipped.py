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
