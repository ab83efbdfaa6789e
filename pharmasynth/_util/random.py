"""Randomness: every draw flows from a `random_state`; the library never seeds global state."""

from __future__ import annotations

import numbers

import numpy as np


def check_random_state(random_state=None) -> np.random.Generator:
    """Return a `numpy.random.Generator` from None, an int, a SeedSequence or a Generator.

    A Generator is returned as is (so that a caller's stream continues); None gives fresh entropy.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(random_state)
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, not {type(random_state).__name__}."
    )


def spawn_seeds(random_state, n: int) -> list[int]:
    """Draw `n` independent 63-bit integer seeds (e.g. one per parallel task) from `random_state`."""
    rng = check_random_state(random_state)
    return [int(s) for s in rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)]


def torch_generator(random_state=None, device="cpu"):
    """A `torch.Generator` on `device` seeded from `random_state` (int or numpy Generator)."""
    import torch

    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
    else:
        seed = spawn_seeds(random_state, 1)[0]
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g
