"""spatial_dims=3: the same generator, samplers and augmentation on small volumes (tiny CPU settings)."""

import numpy as np
import pytest

from pharmasynth.errors import DataError
from pharmasynth.imaging import augment_rare_class
from pharmasynth.imaging.diffusion import ConditionalDiffusion
from pharmasynth.imaging.oracle import classic_augment

TINY3 = dict(image_size=8, num_classes=2, class_names=["dark", "bright"], channels=(8, 8),
             attention_levels=(False, False), num_head_channels=8, num_train_timesteps=50,
             batch_size=4, lr=3e-3, spatial_dims=3)


def volumes(n=8, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = np.where(y[:, None, None, None, None] == 1, 0.6, -0.6) + 0.05 * rng.standard_normal((n, 1, 8, 8, 8))
    return np.clip(x, -1, 1).astype(np.float32), y


@pytest.fixture(scope="module")
def fitted3d():
    return ConditionalDiffusion(**TINY3, train_steps=3, random_state=0).fit(*volumes())


@pytest.mark.filterwarnings("ignore::pharmasynth.imaging.samplers.SampleIntensityWarning")
def test_3d_fit_sample_save_load(fitted3d, tmp_path):
    for sampler, eta in (("ddim", 1.0), ("ddpm", 1.0), ("ddim", 0.0)):
        x = fitted3d.sample(2, "bright", sampler=sampler, eta=eta, num_inference_steps=3, random_state=1)
        assert x.shape == (2, 1, 8, 8, 8) and x.dtype == np.float32 and np.abs(x).max() <= 1
    fitted3d.save(tmp_path / "m")
    loaded = ConditionalDiffusion.load(tmp_path / "m")
    assert loaded.spatial_dims == 3 and "spatial_dims=3" in repr(loaded)
    np.testing.assert_allclose(loaded.sample(1, 0, num_inference_steps=2, random_state=3),
                               fitted3d.sample(1, 0, num_inference_steps=2, random_state=3), atol=1e-5)


def test_3d_bad_shapes_are_refused():
    x, y = volumes()
    with pytest.raises(DataError, match=r"expected \(N, 1, 8, 8, 8\) with spatial_dims=3"):
        ConditionalDiffusion(**TINY3, train_steps=1).fit(x[:, :, :4], y)
    with pytest.raises(DataError, match=r"\[-1, 1\]"):
        ConditionalDiffusion(**TINY3, train_steps=1).fit(x * 5, y)
    with pytest.raises(ValueError, match="spatial_dims=4"):
        ConditionalDiffusion(**{**TINY3, "spatial_dims": 4}, train_steps=1).fit(x, y)


def test_classic_augment_keeps_3d_shape_and_range():
    x, _ = volumes(4)
    out = classic_augment(x, 6, random_state=0)
    assert out.shape == (6, 1, 8, 8, 8) and out.min() >= -1 and out.max() <= 1
    np.testing.assert_array_equal(out, classic_augment(x, 6, random_state=0))


@pytest.mark.filterwarnings("ignore::pharmasynth.imaging.augment.FewSeedsWarning")
@pytest.mark.filterwarnings("ignore::pharmasynth.imaging.samplers.SampleIntensityWarning")
def test_3d_augmentation_runs_end_to_end(fitted3d):
    x, y = volumes(12, seed=1)
    xt, yt = volumes(8, seed=2)
    res = augment_rare_class((x, y, ["dark", "bright"]), (xt, yt, ["dark", "bright"]), rare="bright", k=1,
                             model=fitted3d, seeds=(0,), n_bootstrap=5, num_inference_steps=2,
                             filter_classifier=False, classifier_kwargs={"epochs": 1})
    assert res.synthetic.shape[1:] == (1, 8, 8, 8)
    assert res.real_plus_classic is not None and res.real_only["n_train"] == 12
