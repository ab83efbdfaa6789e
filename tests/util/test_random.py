import numpy as np
import pytest
import torch

from pharmasynth._util.random import check_random_state, spawn_seeds, torch_generator


def test_same_seed_same_stream():
    assert np.array_equal(check_random_state(3).normal(size=5), check_random_state(3).normal(size=5))
    assert spawn_seeds(7, 4) == spawn_seeds(7, 4)
    assert len(set(spawn_seeds(7, 100))) == 100


def test_generator_passes_through_and_continues():
    rng = np.random.default_rng(0)
    assert check_random_state(rng) is rng


def test_global_state_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    torch.manual_seed(5)
    t_before = torch.random.get_rng_state().clone()
    check_random_state(1).normal(size=10)
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
        check_random_state("zero")
