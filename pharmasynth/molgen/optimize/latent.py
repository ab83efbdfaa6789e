"""Latent-space optimisation: CMA-ES over the VAE's latent space, each candidate decoded greedily.

The search runs in whitened coordinates x (z = mean + L x maps N(0, I) onto the prior's latent
distribution), starting at the prior itself (mean 0, sigma 1), so its first generation is a draw
from the prior. A generation whose candidates decode only to molecules scored before costs no
budget; after `restart_after` such generations in a row (or when the step size has collapsed) the
search restarts from a fresh point of the prior (a cheap guard against a converged strategy).
"""

from __future__ import annotations

import numpy as np

from .base import BaseOptimizer, latent_map
from .cmaes import CMAES


class LatentCMAES(BaseOptimizer):
    name = "latent"

    def __init__(self, budget: int = 10_000, batch_size: int = 32, sigma: float = 1.0, restart_after: int = 5,
                 min_sigma: float = 1e-3, random_state=0, checkpoint_every: int = 10):
        super().__init__(budget, batch_size, random_state, checkpoint_every)
        if batch_size < 2:
            raise ValueError(f"batch_size (the CMA-ES population) must be >= 2, got {batch_size}.")
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma}.")
        self.sigma, self.restart_after, self.min_sigma = float(sigma), int(restart_after), float(min_sigma)

    def _setup(self, prior) -> None:
        self._vae = prior
        self._mean, self._chol = latent_map(prior)
        self._es = CMAES(np.zeros(prior.latent_dim), self.sigma, self.batch_size, self.rng_)
        self._idle = 0
        self.restarts_ = 0

    def _step(self, objective, remaining: int) -> None:
        x = self._es.ask()
        z = (self._mean + x @ self._chol.T).astype(np.float32)
        smiles = self._vae.decode(z, temperature=0.0)
        before = objective.n_calls_
        table = objective.score(smiles, max_new_calls=remaining)
        self._es.tell(x, -table["total"].fillna(0.0).to_numpy())
        self._idle = 0 if objective.n_calls_ > before else self._idle + 1
        if self._idle >= self.restart_after or self._es.sigma < self.min_sigma:
            start = self.rng_.standard_normal(self._vae.latent_dim)
            self._es = CMAES(start, self.sigma, self.batch_size, self.rng_)
            self._idle = 0
            self.restarts_ += 1

    def _state(self) -> dict:
        return {"es": self._es.state(), "idle": self._idle, "restarts": self.restarts_}

    def _load_state(self, state: dict) -> None:
        self._es = CMAES.from_state(state["es"], self.rng_)
        self._idle, self.restarts_ = int(state["idle"]), int(state["restarts"])
