"""Randomness: every draw flows from a `random_state`; the library never seeds global state.

The policy every estimator follows (see `RandomStateMixin`): `random_state` is stored in
`__init__` as given (None = fresh entropy); `fit` draws from `as_rng(random_state)` and, when it
ends, starts the sampling stream `rng_` from the same `random_state`, so the first `sample` after
`fit` gives what a fresh model would; `sample(random_state=None)` continues `rng_`, and
`sample(random_state=s)` draws from `s` without touching `rng_`.
"""

from __future__ import annotations

import numbers

import numpy as np

from .deprecation import warn_deprecated


def as_rng(random_state=None) -> np.random.Generator:
    """A `numpy.random.Generator` from None, an int, a SeedSequence or a Generator.

    A Generator is returned as is (so that a caller's stream continues); None gives fresh entropy.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(random_state)
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, not {type(random_state).__name__}."
    )


def check_random_state(random_state=None) -> np.random.Generator:
    """Deprecated name of `as_rng` (it returns a numpy Generator, not scikit-learn's RandomState)."""
    warn_deprecated("pharmasynth._util.random.check_random_state", "as_rng")
    return as_rng(random_state)


def spawn_seeds(random_state, n: int) -> list[int]:
    """Draw `n` independent 63-bit integer seeds (e.g. one per parallel task) from `random_state`."""
    rng = as_rng(random_state)
    return [int(s) for s in rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)]


def torch_generator(random_state=None, device="cpu"):
    """A `torch.Generator` on `device` seeded from `random_state` (int, numpy Generator or None)."""
    import torch

    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
    else:
        seed = spawn_seeds(random_state, 1)[0]
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator


def savable_seed(random_state):
    """What a saved model records of its random_state: the int seed, else None (a Generator has no file form)."""
    return int(random_state) if isinstance(random_state, numbers.Integral) else None


class RandomStateMixin:
    """The random-state policy of the module docstring, for classes with a `random_state` attribute."""

    def _fit_rng(self) -> np.random.Generator:
        """The stream `fit` draws from."""
        return as_rng(self.random_state)

    def _start_sampling(self) -> None:
        """Called at the end of `fit` and `load`: the sampling stream starts at `random_state`."""
        self.rng_ = as_rng(self.random_state)

    def _sampling_rng(self, random_state=None) -> np.random.Generator:
        """`rng_` (continued) when random_state is None, else a stream from the given random_state."""
        if random_state is not None:
            return as_rng(random_state)
        if getattr(self, "rng_", None) is None:
            self._start_sampling()
        return self.rng_
