"""CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial"; the update of his `purecma`), in numpy.

Minimises; `ask()` draws a population, `tell(x, f)` updates mean, step size and covariance. Its whole
state is plain arrays (`state()` / `from_state()`), so an optimisation run checkpoints without pickling.
"""

from __future__ import annotations

import math

import numpy as np


class CMAES:
    def __init__(self, mean, sigma: float, popsize: int | None = None, rng=None):
        self.mean = np.asarray(mean, float).copy()
        n = self.dim = len(self.mean)
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma}.")
        self.sigma = float(sigma)
        self.popsize = int(popsize or 4 + int(3 * math.log(n)))
        if self.popsize < 2:
            raise ValueError(f"popsize must be >= 2, got {self.popsize}.")
        self.rng = rng if rng is not None else np.random.default_rng()
        mu = self.mu = self.popsize // 2
        w = math.log(mu + 0.5) - np.log(np.arange(1, mu + 1))
        self.weights = w / w.sum()
        self.mueff = 1.0 / float(np.sum(self.weights ** 2))
        me = self.mueff
        self.cc = (4 + me / n) / (n + 4 + 2 * me / n)
        self.cs = (me + 2) / (n + me + 5)
        self.c1 = 2 / ((n + 1.3) ** 2 + me)
        self.cmu = min(1 - self.c1, 2 * (me - 2 + 1 / me) / ((n + 2) ** 2 + me))
        self.damps = 1 + 2 * max(0.0, math.sqrt((me - 1) / (n + 1)) - 1) + self.cs
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        self.pc, self.ps = np.zeros(n), np.zeros(n)
        self.C = np.eye(n)
        self.generation = 0

    def _eig(self):
        self.C = (self.C + self.C.T) / 2
        d2, B = np.linalg.eigh(self.C)
        return B, np.sqrt(np.maximum(d2, 1e-20))

    def ask(self) -> np.ndarray:
        """popsize candidates, shape (popsize, dim): mean + sigma * N(0, C)."""
        B, D = self._eig()
        return self.mean + self.sigma * (self.rng.standard_normal((self.popsize, self.dim)) * D) @ B.T

    def tell(self, x, fitness) -> None:
        """Update from the candidates `x` and their fitness (lower is better)."""
        x, f = np.asarray(x, float), np.asarray(fitness, float)
        if x.shape != (self.popsize, self.dim) or f.shape != (self.popsize,):
            raise ValueError(f"tell needs ({self.popsize}, {self.dim}) candidates and {self.popsize} values.")
        n, old = self.dim, self.mean
        best = x[np.argsort(f, kind="stable")[: self.mu]]
        self.mean = self.weights @ best
        y = (self.mean - old) / self.sigma
        B, D = self._eig()
        inv_sqrt_c_y = B @ ((B.T @ y) / D)
        self.generation += 1
        self.ps = (1 - self.cs) * self.ps + math.sqrt(self.cs * (2 - self.cs) * self.mueff) * inv_sqrt_c_y
        norm_ps = float(np.linalg.norm(self.ps))
        hsig = norm_ps / math.sqrt(1 - (1 - self.cs) ** (2 * self.generation)) / self.chi_n < 1.4 + 2 / (n + 1)
        self.pc = (1 - self.cc) * self.pc + hsig * math.sqrt(self.cc * (2 - self.cc) * self.mueff) * y
        steps = (best - old) / self.sigma
        rank_mu = (steps * self.weights[:, None]).T @ steps
        c1a = self.c1 * (1 - (1 - hsig) * self.cc * (2 - self.cc))
        self.C = (1 - c1a - self.cmu) * self.C + self.c1 * np.outer(self.pc, self.pc) + self.cmu * rank_mu
        self.sigma *= math.exp(min(1.0, (self.cs / self.damps) * (norm_ps / self.chi_n - 1)))

    def state(self) -> dict:
        return {"mean": self.mean.tolist(), "sigma": self.sigma, "popsize": self.popsize, "pc": self.pc.tolist(),
                "ps": self.ps.tolist(), "C": self.C.tolist(), "generation": self.generation}

    @classmethod
    def from_state(cls, state: dict, rng) -> "CMAES":
        es = cls(state["mean"], state["sigma"], state["popsize"], rng)
        es.pc, es.ps = np.asarray(state["pc"], float), np.asarray(state["ps"], float)
        es.C, es.generation = np.asarray(state["C"], float), int(state["generation"])
        return es
