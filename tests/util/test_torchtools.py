import pytest
import torch

from pharmasynth._util.torchtools import dropout_module, hash_tensors, init_weights, set_dropout_generator


def test_init_weights_from_a_generator_only():
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    torch.manual_seed(0)
    before = torch.random.get_rng_state().clone()
    init_weights(a, torch.Generator().manual_seed(5))
    init_weights(b, torch.Generator().manual_seed(5))
    assert torch.equal(a.weight, b.weight) and torch.all(a.bias == 0)
    assert a.weight.abs().max() <= 0.5  # U(-1/sqrt(4), 1/sqrt(4))
    assert torch.equal(torch.random.get_rng_state(), before)  # the global generator was not used
    init_weights(a, torch.Generator().manual_seed(5), scheme="normal", scale=0.1)
    assert 0 < a.weight.std() < 0.3 and torch.all(a.bias == 0)


def test_dropout_draws_from_its_generator_not_the_global_one():
    drop = dropout_module(0.5)
    x = torch.ones(1000)
    with pytest.raises(RuntimeError, match="generator"):
        drop(x)
    torch.manual_seed(0)
    before = torch.random.get_rng_state().clone()
    set_dropout_generator(torch.nn.Sequential(drop), torch.Generator().manual_seed(3))
    y1 = drop(x)
    drop.generator = torch.Generator().manual_seed(3)
    assert torch.equal(drop(x), y1) and torch.equal(torch.random.get_rng_state(), before)
    assert 0.4 < (y1 == 0).float().mean() < 0.6 and torch.allclose(y1.mean(), torch.tensor(1.0), atol=0.15)
    assert torch.equal(drop.eval()(x), x)


def test_hash_tensors_sees_values_and_names():
    t = {"w": torch.ones(3)}
    assert hash_tensors(t) == hash_tensors({"w": torch.ones(3)})
    assert hash_tensors(t) != hash_tensors({"w": torch.ones(3) * 2})
    assert hash_tensors(t) != hash_tensors({"v": torch.ones(3)})
