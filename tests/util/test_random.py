import numpy as np
import pytest
import torch

from pharmasynth._util.random import RandomStateMixin, as_rng, check_random_state, spawn_seeds, torch_generator


def test_same_seed_same_stream():
    assert np.array_equal(as_rng(3).normal(size=5), as_rng(3).normal(size=5))
    assert spawn_seeds(7, 4) == spawn_seeds(7, 4)
    assert len(set(spawn_seeds(7, 100))) == 100


def test_generator_passes_through_and_continues():
    rng = np.random.default_rng(0)
    assert as_rng(rng) is rng


def test_global_state_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    torch.manual_seed(5)
    t_before = torch.random.get_rng_state().clone()
    as_rng(1).normal(size=10)
    torch.randn(3, generator=torch_generator(1))
    assert np.array_equal(np.random.get_state()[1], before)
    assert torch.equal(torch.random.get_rng_state(), t_before)


def test_torch_generator_reproducible():
    a = torch.randn(4, generator=torch_generator(9))
    b = torch.randn(4, generator=torch_generator(9))
    assert torch.equal(a, b)
    assert not torch.equal(a, torch.randn(4, generator=torch_generator(10)))


def test_bad_random_state():
    with pytest.raises(TypeError, match="random_state"):
        as_rng("zero")


def test_check_random_state_is_a_deprecated_alias():
    with pytest.warns(FutureWarning, match="as_rng"):
        assert np.array_equal(check_random_state(4).normal(size=3), as_rng(4).normal(size=3))


class _Model(RandomStateMixin):
    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self):
        self._fit_rng().normal(size=7)  # fit's own draws
        self._start_sampling()
        return self

    def sample(self, random_state=None):
        return self._sampling_rng(random_state).normal(size=3)


def test_sampling_continues_rng_and_an_explicit_seed_does_not_touch_it():
    m = _Model(5).fit()
    first, second = m.sample(), m.sample()
    assert not np.array_equal(first, second)                      # None continues the stream
    assert np.array_equal(first, as_rng(5).normal(size=3))        # which starts at random_state after fit
    again = _Model(5).fit()
    assert np.array_equal(again.sample(), first) and np.array_equal(again.sample(), second)
    m2 = _Model(5).fit()
    assert np.array_equal(m2.sample(random_state=9), as_rng(9).normal(size=3))
    assert np.array_equal(m2.sample(), first)                     # rng_ untouched by the explicit seed


def test_none_is_fresh_entropy():
    assert not np.array_equal(_Model(None).fit().sample(), _Model(None).fit().sample())
