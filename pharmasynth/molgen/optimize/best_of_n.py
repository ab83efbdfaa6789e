"""Best-of-N: sample from the prior until the budget is spent, keep the best. The baseline every
optimiser is measured against: anything that does not beat it has learnt nothing from the objective."""

from __future__ import annotations

from .base import BaseOptimizer, prior_latents


class BestOfN(BaseOptimizer):
    """Draw `batch_size` molecules per step from the prior (z from its sampler, decoded at `temperature`)."""

    name = "best-of-n"

    def __init__(self, budget: int = 10_000, batch_size: int = 256, temperature: float = 1.0, random_state=0,
                 checkpoint_every: int = 10):
        super().__init__(budget, batch_size, random_state, checkpoint_every)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0 for sampling, got {temperature}.")
        self.temperature = float(temperature)

    def _setup(self, prior) -> None:
        self._vae = prior

    def _step(self, objective, remaining: int) -> None:
        z = prior_latents(self._vae, self.batch_size, self.rng_)
        smiles = self._vae.decode(z, temperature=self.temperature, random_state=self.rng_)
        objective.score(smiles, max_new_calls=remaining)
