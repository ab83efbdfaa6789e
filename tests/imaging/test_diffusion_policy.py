"""ConditionalDiffusion: training length as a setting, the random-state policy, deprecated keywords."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pharmasynth.errors import CheckpointError
from pharmasynth.imaging import ConditionalDiffusion

TINY = dict(image_size=16, num_classes=2, class_names=["dark", "bright"], channels=(8, 8),
            attention_levels=(False, False), num_head_channels=8, num_train_timesteps=100,
            batch_size=8, lr=3e-3, ema_decay=0.9)


def _same_weights(a, b):
    sa, sb = a.ema_network_.state_dict(), b.ema_network_.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def data():
    """16 images, two classes: dark (-0.8) and bright (+0.8) with a little noise."""
    rng = np.random.default_rng(0)
    y = np.arange(16) % 2
    x = np.where(y[:, None, None, None] == 1, 0.8, -0.8) + 0.05 * rng.standard_normal((16, 1, 16, 16))
    return np.clip(x, -1, 1).astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(data):
    return ConditionalDiffusion(**TINY, train_steps=3, random_state=2).fit(*data)


def test_training_length_is_a_setting(data):
    x, y = data
    assert ConditionalDiffusion(**TINY, random_state=0).fit(x, y).n_steps_ == 2      # one epoch: 16 // 8
    assert ConditionalDiffusion(**TINY, epochs=2, random_state=0).fit(x, y).n_steps_ == 4
    assert ConditionalDiffusion(**TINY, train_steps=3, random_state=0).fit(x, y).n_steps_ == 3
    with pytest.raises(ValueError, match="not both"):
        ConditionalDiffusion(**TINY, train_steps=3, epochs=1).fit(x, y)


def test_fit_steps_and_epochs_keywords_are_deprecated(data, fitted):
    x, y = data
    with pytest.warns(FutureWarning, match="train_steps"):
        old = ConditionalDiffusion(**TINY, random_state=2).fit(x, y, steps=3)
    assert old.n_steps_ == 3 and _same_weights(old, fitted)
    with pytest.warns(FutureWarning, match="train_steps"):
        assert ConditionalDiffusion(**TINY, random_state=2).fit(x, y, epochs=2).n_steps_ == 4


def test_sample_label_keyword_is_deprecated(fitted):
    new = fitted.sample(2, conditions="bright", num_inference_steps=3, random_state=4)
    with pytest.warns(FutureWarning, match="conditions"):
        old = fitted.sample(2, label="bright", num_inference_steps=3, random_state=4)
    np.testing.assert_array_equal(old, new)


def test_sampling_stream_continues_and_explicit_seeds_leave_it_alone(data, fitted):
    fresh = ConditionalDiffusion(**TINY, train_steps=3, random_state=2).fit(*data)
    a1 = fresh.sample(2, 0, num_inference_steps=3)
    seed1 = fresh.last_sample_seed_
    fresh.sample(2, 0, num_inference_steps=3, random_state=9)  # explicit: the stream is not touched
    a2 = fresh.sample(2, 0, num_inference_steps=3)
    assert not np.allclose(a1, a2)  # the stream moved on: no repeats
    np.testing.assert_array_equal(a1, fresh.sample(2, 0, num_inference_steps=3, random_state=seed1))
    # a model fitted the same way starts the same stream (the first sample after fit is reproducible)
    other = ConditionalDiffusion(**TINY, train_steps=3, random_state=2).fit(*data)
    np.testing.assert_array_equal(other.sample(2, 0, num_inference_steps=3), a1)
    np.testing.assert_array_equal(other.sample(2, 0, num_inference_steps=3), a2)


def test_saved_model_continues_the_same_stream(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = ConditionalDiffusion.load(tmp_path / "m")
    assert loaded.channels == (8, 8) and loaded.attention_levels == (False, False)
    assert loaded.seed_ == fitted.seed_ == 2
    fitted._start_sampling()
    np.testing.assert_allclose(loaded.sample(2, 1, num_inference_steps=3),
                               fitted.sample(2, 1, num_inference_steps=3), atol=1e-5)


def test_random_state_none_is_fresh_entropy_and_resumes(data, tmp_path):
    x, y = data
    a = ConditionalDiffusion(**TINY, train_steps=2, random_state=None).fit(x, y)
    b = ConditionalDiffusion(**TINY, train_steps=2, random_state=None).fit(x, y)
    assert a.random_state is None and a.seed_ != b.seed_ and not _same_weights(a, b)
    # the seed of an interrupted run is in its checkpoint: resuming gives the run of that seed
    first = ConditionalDiffusion(**TINY, train_steps=1, random_state=None).fit(x, y, checkpoint_dir=tmp_path)
    resumed = ConditionalDiffusion(**TINY, train_steps=3, random_state=None).fit(x, y, checkpoint_dir=tmp_path)
    straight = ConditionalDiffusion(**TINY, train_steps=3, random_state=first.seed_).fit(x, y)
    assert resumed.seed_ == first.seed_ and _same_weights(resumed, straight)
    assert resumed.loss_history_ == straight.loss_history_


def test_a_generator_random_state_is_drawn_from(data):
    x, y = data
    a = ConditionalDiffusion(**TINY, train_steps=1, random_state=np.random.default_rng(5)).fit(x, y)
    b = ConditionalDiffusion(**TINY, train_steps=1, random_state=np.random.default_rng(5)).fit(x, y)
    assert a.seed_ == b.seed_ and _same_weights(a, b)


def test_checkpoint_of_another_version_is_refused(data, tmp_path):
    x, y = data
    settings = {**TINY, "train_steps": 2, "random_state": 0}
    ConditionalDiffusion(**settings).fit(x, y, checkpoint_dir=tmp_path)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    del state["generator"]
    torch.save(state, tmp_path / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="generator"):
        ConditionalDiffusion(**settings).fit(x, y, checkpoint_dir=tmp_path)
