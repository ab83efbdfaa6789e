"""ConditionalDiffusion: learning, CFG sampling, determinism, golden values, save/load, resume, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pharmasynth.errors import CheckpointError, DataError, NotFittedError, UsageError
from pharmasynth.imaging.diffusion import ConditionalDiffusion
from pharmasynth.imaging.samplers import SampleIntensityWarning

# a 40-step toy model is far from its training images on purpose; the warning has its own test below
pytestmark = pytest.mark.filterwarnings("ignore::pharmasynth.imaging.samplers.SampleIntensityWarning")

TINY = dict(image_size=16, num_classes=2, class_names=["dark", "bright"], channels=(8, 8),
            attention_levels=(False, False), num_head_channels=8, num_train_timesteps=100,
            batch_size=8, lr=3e-3, ema_decay=0.9)


def toy_data(n=32, seed=0):
    """Two trivially separable classes: dark images (-0.8) and bright ones (+0.8), a little noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = np.where(y[:, None, None, None] == 1, 0.8, -0.8) + 0.05 * rng.standard_normal((n, 1, 16, 16))
    return np.clip(x, -1, 1).astype(np.float32), y


@pytest.fixture(scope="module")
def fitted():
    x, y = toy_data()
    return ConditionalDiffusion(**TINY, train_steps=40, random_state=0).fit(x, y)


def test_loss_decreases(fitted):
    h = np.asarray(fitted.loss_history_)
    assert len(h) == 40
    assert h[-10:].mean() < 0.6 * h[:5].mean()


def test_cfg_sampling_shape_range_and_class(fitted):
    gaps = []
    for scale in (1.0, 3.0, 5.0):
        dark = fitted.sample(6, conditions="dark", guidance_scale=scale, num_inference_steps=10, random_state=1)
        bright = fitted.sample(6, conditions=1, guidance_scale=scale, num_inference_steps=10, random_state=1)
        assert dark.shape == (6, 1, 16, 16) and dark.dtype == np.float32
        assert dark.min() >= -1 and dark.max() <= 1
        gaps.append(bright.mean() - dark.mean())
    # the condition steers the images (same noise, brighter for "bright"), more so with more guidance
    assert gaps[1] > 0.1
    assert gaps[0] < gaps[1] < gaps[2]


def test_same_seed_same_images(fitted):
    a = fitted.sample(3, conditions=0, num_inference_steps=5, random_state=7)
    b = fitted.sample(3, conditions=0, num_inference_steps=5, random_state=7)
    c = fitted.sample(3, conditions=0, num_inference_steps=5, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_sample_per_class(fitted):
    x, y = fitted.sample_per_class({"dark": 2, "bright": 3}, num_inference_steps=4, random_state=0)
    assert x.shape == (5, 1, 16, 16)
    assert y.tolist() == [0, 0, 1, 1, 1]


# Seeded golden check. Values computed once on CPU (torch 2.13, MONAI 1.6.1) with
#   .venv/bin/python -c "from tests.imaging.test_diffusion import golden_images; x = golden_images(); \
#       print(float(x.sum()), x.ravel()[:5].tolist())"
# (run from the repo root with PYTHONPATH=.). A fixed seed builds the same model and the same images.
# (recomputed when the EMA got its warm-up schedule, and when sampling moved to samplers.py with
# DDIM eta=1 as the default and a cosine learning-rate schedule)
GOLDEN_SUM = 10.877262115478516
GOLDEN_FIRST = [-0.6178506016731262, 0.8365525603294373, -0.1202588900923729, -0.7740444540977478,
                0.9850281476974487]


def golden_images():
    x, y = toy_data(16, seed=3)
    model = ConditionalDiffusion(**{**TINY, "batch_size": 8}, train_steps=2, random_state=123).fit(x, y)
    return model.sample(2, conditions="bright", guidance_scale=2.0, num_inference_steps=5, random_state=42,
                        sampler="ddim", eta=1.0)


def test_seeded_golden_values():
    x = golden_images()
    assert x.shape == (2, 1, 16, 16)
    np.testing.assert_allclose(float(x.sum()), GOLDEN_SUM, rtol=0, atol=5e-3)
    np.testing.assert_allclose(x.ravel()[:5], GOLDEN_FIRST, rtol=0, atol=1e-4)


def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = ConditionalDiffusion.load(tmp_path / "m")
    assert loaded.model_hash_ == fitted.model_hash_ and len(loaded.model_hash_) == 64
    assert loaded.class_names == ["dark", "bright"]
    # same weights (hash above); a fresh module may differ by float rounding in CPU kernels only
    np.testing.assert_allclose(fitted.sample(2, conditions=1, num_inference_steps=4, random_state=3),
                               loaded.sample(2, conditions=1, num_inference_steps=4, random_state=3), atol=1e-5)
    # an altered weights file is refused
    (tmp_path / "m" / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError):
        ConditionalDiffusion.load(tmp_path / "m")


def test_resume_gives_exactly_the_same_weights(tmp_path):
    x, y = toy_data(24)
    settings = {**TINY, "guidance_dropout": 0.3}
    straight = ConditionalDiffusion(**settings, train_steps=6, random_state=5).fit(x, y)
    # "interrupted" after 3 steps (4 per epoch, so the resume point is mid-epoch), then resumed
    ConditionalDiffusion(**settings, train_steps=3, random_state=5).fit(x, y, checkpoint_dir=tmp_path)
    resumed = ConditionalDiffusion(**settings, train_steps=6, random_state=5).fit(x, y, checkpoint_dir=tmp_path)
    assert resumed.n_steps_ == 6
    for net in ("network_", "ema_network_"):
        a, b = getattr(straight, net).state_dict(), getattr(resumed, net).state_dict()
        for k in a:
            assert torch.equal(a[k], b[k]), k
    assert straight.loss_history_ == resumed.loss_history_
    # a checkpoint from other settings is refused rather than silently mixed in
    with pytest.raises(CheckpointError, match="other settings"):
        ConditionalDiffusion(**{**settings, "lr": 1e-4}, train_steps=6, random_state=5).fit(
            x, y, checkpoint_dir=tmp_path)


def test_global_rng_untouched():
    x, y = toy_data(8)
    torch.manual_seed(99)
    expected = torch.rand(3)
    torch.manual_seed(99)
    ConditionalDiffusion(**TINY, train_steps=1, random_state=0).fit(x, y)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("images,labels,match", [
    (np.zeros((4, 16, 16), np.float32), [0, 1, 0, 1], "shape"),
    (np.zeros((4, 1, 32, 32), np.float32), [0, 1, 0, 1], "shape"),
    (np.zeros((4, 1, 16, 16), np.float32), [0, 1, 2, 1], "outside 0..1"),
    (np.zeros((4, 1, 16, 16), np.float32), [0, 1, 0], "one per image"),
    (np.full((4, 1, 16, 16), 200.0, np.float32), [0, 1, 0, 1], r"\[-1, 1\]"),
    (np.zeros((4, 1, 16, 16), np.uint8), [0, 1, 0, 1], "dtype"),
    (np.full((4, 1, 16, 16), np.nan, np.float32), [0, 1, 0, 1], "NaN"),
])
def test_bad_training_input(images, labels, match):
    with pytest.raises(DataError, match=match):
        ConditionalDiffusion(**TINY, train_steps=1).fit(images, np.asarray(labels))


def test_bad_options_and_unknown_class(fitted):
    with pytest.raises(ValueError, match="schedule"):
        ConditionalDiffusion(**{**TINY, "schedule": "quadratic"}, train_steps=1).fit(*toy_data(8))
    with pytest.raises(DataError, match="unknown class 'lesion'.*'dark', 'bright'"):
        fitted.sample(1, conditions="lesion")
    with pytest.raises(DataError, match="outside"):
        fitted.sample(1, conditions=5)
    with pytest.raises(NotFittedError):
        ConditionalDiffusion(**TINY).sample(1)


def test_samplers_and_eta_on_the_model(fitted):
    a = fitted.sample(2, 1, sampler="ddpm", num_inference_steps=6, random_state=4)
    b = fitted.sample(2, 1, sampler="ddim", eta=0.0, num_inference_steps=6, random_state=4)
    c = fitted.sample(2, 1, sampler="ddim", eta=0.0, num_inference_steps=6, random_state=4)
    assert a.shape == b.shape == (2, 1, 16, 16) and not np.allclose(a, b)
    np.testing.assert_array_equal(b, c)
    with pytest.raises(UsageError, match="sampler='plms'"):
        fitted.sample(1, 0, sampler="plms")
    with pytest.raises(UsageError, match="eta=2"):
        fitted.sample(1, 0, eta=2)
    with pytest.raises(UsageError, match="1..100"):
        fitted.sample(1, 0, num_inference_steps=101)
    x, _ = fitted.sample_per_class({"dark": 1}, sampler="ddpm", num_inference_steps=3, random_state=0)
    assert x.shape == (1, 1, 16, 16)


def test_intensity_warning_on_an_untrained_model():
    x, y = toy_data(8)
    model = ConditionalDiffusion(**TINY, train_steps=1, random_state=0).fit(x, y)
    assert model.intensity_stats_[1]["mean"] == pytest.approx(0.8, abs=0.02)
    with pytest.warns(SampleIntensityWarning, match="class 'bright' are far from its training images"):
        model.sample(4, "bright", num_inference_steps=3, random_state=0)
    assert model.last_intensity_gap_["z"] > 3
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.sample(4, "bright", num_inference_steps=3, random_state=0, check_intensity=False)


def test_tuned_defaults_and_sizes_the_unet_cannot_take():
    small, big = ConditionalDiffusion(image_size=32), ConditionalDiffusion(image_size=64)
    assert small.resolved_settings()["channels"] == (32, 64, 64)
    assert len(big.resolved_settings()["channels"]) == 4 and big.resolved_settings()["attention_levels"][-1]
    assert ConditionalDiffusion(image_size=32, channels=(8, 16), lr=0.01).resolved_settings() == {
        "channels": (8, 16), "attention_levels": (False, True), "lr": 0.01}
    with pytest.raises(UsageError, match="image_size=30 must be divisible by 4.*use e.g. 4, 8, 12, 16"):
        ConditionalDiffusion(image_size=30, train_steps=1).fit(np.zeros((2, 1, 30, 30), np.float32), [0, 1])
    with pytest.raises(ValueError, match="lr_schedule"):
        ConditionalDiffusion(**{**TINY, "lr_schedule": "step"}, train_steps=1).fit(*toy_data(8))
