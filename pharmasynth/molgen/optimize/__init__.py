"""Goal-directed design over a pretrained prior, each method at a fixed budget of objective calls.

    from pharmasynth.molgen import Objective, SmilesVAE
    from pharmasynth.molgen.optimize import optimize

    result = optimize(Objective.from_toml("data/objectives/soluble_kinase_lead.toml"), "moses-smiles",
                      method="reinforce", budget=10_000, random_state=0, out_dir="out/opt")
    result.top(10); result.auc_top10; result.write("out/opt")

Methods: "reinforce" (REINVENT-style RL of the decoder), "latent" (CMA-ES in the latent space),
"best-of-n" (sampling from the prior: the baseline).
"""

from __future__ import annotations

from .base import BaseOptimizer
from .best_of_n import BestOfN
from .cmaes import CMAES
from .diversity import ScaffoldMemory
from .latent import LatentCMAES
from .reinforce import Reinforce
from .result import OptimizationResult, auc_top_k, top_k_mean_by_call

METHODS = {"reinforce": Reinforce, "latent": LatentCMAES, "best-of-n": BestOfN}


def make_optimizer(method: str, budget: int = 10_000, random_state=0, **options) -> BaseOptimizer:
    """The optimiser for `method` with its options (e.g. sigma=, batch_size=, temperature=)."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {', '.join(map(repr, METHODS))}.")
    return METHODS[method](budget=budget, random_state=random_state, **options)


def optimize(objective, prior="moses-smiles", method: str = "reinforce", budget: int = 10_000, random_state=0,
             out_dir=None, resume: bool = True, progress: bool | None = None, device: str | None = None,
             threads: int | None = None, **options) -> OptimizationResult:
    """Spend `budget` objective calls (unique molecules) searching for high scores; returns the result.

    objective  an `Objective` (e.g. `Objective.from_toml(path)`, `goal_task(name)`)
    prior      a fitted SmilesVAE, a shipped prior's name ("moses-smiles") or a saved model folder
    out_dir    where the checkpoint goes (OUT/checkpoint.pt, rewritten atomically every few steps); a
               rerun with the same settings continues from it. The result's files: `result.write(out_dir)`.
    threads    torch CPU threads for this run (None: leave as set; 1 is fastest for these small batches)
    """
    opt = make_optimizer(method, budget, random_state, **options)
    return opt.run(objective, prior, checkpoint_dir=out_dir, resume=resume, progress_bar=progress, device=device,
                   threads=threads)


__all__ = ["BaseOptimizer", "BestOfN", "CMAES", "LatentCMAES", "METHODS", "OptimizationResult", "Reinforce",
           "ScaffoldMemory", "auc_top_k", "make_optimizer", "optimize", "top_k_mean_by_call"]
