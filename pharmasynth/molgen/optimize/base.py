"""The loop every optimiser shares: a fixed budget of objective calls, a progress bar showing the running
top-10 score, and a resumable checkpoint.

A subclass proposes molecules in `_step(objective, remaining)` (scoring them through
`objective.score(..., max_new_calls=remaining)`, which counts and caches) and says what it must keep to
continue in `_state()` / `_load_state()`. The checkpoint (`checkpoint.pt`, written atomically, read
with `torch.load(weights_only=True)`) holds the objective's library and counters, the optimiser's
state and its random stream, so a rerun with the same settings continues where the last one stopped
and ends with the same library as an uninterrupted run.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import numpy as np

from ..._util.progress import progress
from ..._util.random import as_rng
from ..._util.serialization import load_checkpoint, save_checkpoint
from ...errors import CheckpointError, DataWarning
from .result import OptimizationResult

CHECKPOINT = "checkpoint.pt"


def resolve_prior(prior, device: str | None = None):
    """A fitted SmilesVAE from an instance, a shipped prior's name ("moses-smiles") or a model folder."""
    from ..vae import SmilesVAE

    if isinstance(prior, SmilesVAE):
        prior._check_fitted()
        return prior, getattr(prior, "pretrained_name_", "") or "SmilesVAE"
    path = Path(str(prior))
    if path.is_dir():
        return SmilesVAE.load(path, device=device), str(path)
    if "/" in str(prior) or path.suffix:  # meant as a folder, not a shipped prior's name
        raise CheckpointError(f"{path}: no such model folder (a SmilesVAE saved by `pharmasynth molgen train` "
                              "or .save(path)); or give a shipped prior's name such as 'moses-smiles'.")
    return SmilesVAE.pretrained(str(prior), device=device), str(prior)


def prior_digest(vae) -> str:
    """A short hash of the prior's weights: a checkpoint started from other weights (a retrained prior
    under the same name) must not be continued as if it were this run."""
    import hashlib

    import torch

    h = hashlib.sha256()
    for key, tensor in sorted(vae.net_.state_dict().items()):
        h.update(key.encode())
        # as raw bytes: any dtype (bfloat16 has no numpy equivalent), any device
        h.update(tensor.detach().cpu().contiguous().flatten().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]


def _rng_to_json(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)


def _rng_from_json(text: str) -> np.random.Generator:
    state = json.loads(text)
    rng = np.random.Generator(getattr(np.random, state["bit_generator"])())
    rng.bit_generator.state = state
    return rng


class BaseOptimizer:
    """Budget, progress, checkpoints. Subclasses: `name`, `_setup(prior)`, `_step`, `_state`, `_load_state`."""

    name = "base"
    # stop (and say so) after this many steps in a row that found no molecule not seen before
    max_stalled_steps = 30

    def __init__(self, budget: int = 10_000, batch_size: int = 64, random_state=0, checkpoint_every: int = 10):
        if int(budget) < 1:
            raise ValueError(f"budget must be >= 1 objective call, got {budget}.")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        self.budget = int(budget)
        self.batch_size = int(batch_size)
        self.random_state = random_state
        self.checkpoint_every = int(checkpoint_every)

    # ---- for subclasses ---------------------------------------------------------------------------
    def _setup(self, prior) -> None:
        raise NotImplementedError

    def _step(self, objective, remaining: int) -> None:
        raise NotImplementedError

    def _state(self) -> dict:
        return {}

    def _load_state(self, state: dict) -> None:
        pass

    def settings(self) -> dict:
        """The constructor's settings (what result.json and the checkpoint record)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and not k.endswith("_")
                and isinstance(v, (int, float, str, bool, type(None)))}

    # ---- the loop ---------------------------------------------------------------------------------
    def run(self, objective, prior, checkpoint_dir=None, resume: bool = True, progress_bar: bool | None = None,
            device: str | None = None, threads: int | None = None) -> OptimizationResult:
        """Spend the budget on `objective` starting from `prior`; returns the `OptimizationResult`.
        threads: torch CPU threads for this run only (restored afterwards); 1 is fastest for the small
        batches of autoregressive decoding on a shared CPU."""
        import torch

        before_threads = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(int(threads))
        try:
            return self._run(objective, prior, checkpoint_dir, resume, progress_bar, device)
        finally:
            torch.set_num_threads(before_threads)

    def _run(self, objective, prior, checkpoint_dir, resume, progress_bar, device) -> OptimizationResult:
        vae, prior_name = resolve_prior(prior, device)
        self._prior_identity = {"prior": prior_name, "prior_digest": prior_digest(vae)}
        objective.reset()
        self.rng_ = as_rng(self.random_state)
        self._setup(vae)
        self.steps_, self.seconds_ = 0, 0.0
        ckpt = Path(checkpoint_dir) / CHECKPOINT if checkpoint_dir is not None else None
        if ckpt is not None and resume and ckpt.is_file():
            self._restore(ckpt, objective)
        start, stalled, stopped = time.perf_counter() - self.seconds_, 0, ""
        bar = progress(total=self.budget, initial=min(objective.n_calls_, self.budget), desc=self.name,
                       enable=progress_bar, unit="call")
        try:
            while objective.n_calls_ < self.budget:
                before = objective.n_calls_
                self._step(objective, self.budget - objective.n_calls_)
                self.steps_ += 1
                bar.update(objective.n_calls_ - before)
                if objective.n_calls_ > before:
                    stalled = 0
                    bar.set_postfix(top10=f"{self._top10(objective):.3f}")
                else:
                    stalled += 1
                    if stalled >= self.max_stalled_steps:
                        stopped = (f"{stalled} steps in a row proposed no molecule not scored before "
                                   f"({objective.n_calls_:,} of {self.budget:,} calls used)")
                        warnings.warn(f"{self.name}: {stopped}; the search has collapsed. Try a higher "
                                      "temperature or sigma, or a stronger diversity filter.", DataWarning,
                                      stacklevel=2)
                        break
                if ckpt is not None and self.steps_ % self.checkpoint_every == 0:
                    self.seconds_ = time.perf_counter() - start
                    self._save(ckpt, objective)
        finally:
            bar.close()
        self.seconds_ = time.perf_counter() - start
        if ckpt is not None:
            self._save(ckpt, objective)
        return OptimizationResult(method=self.name, library=objective.library(), budget=self.budget,
                                  objective=objective.to_dict(), n_invalid=objective.n_invalid_,
                                  n_requests=objective.n_requests_, seconds=self.seconds_,
                                  settings=self.settings(), prior=prior_name, stopped_early=stopped)

    @staticmethod
    def _top10(objective) -> float:
        best = objective.top_scores(10)
        return float(np.mean(best)) if best else 0.0

    # ---- checkpoints ------------------------------------------------------------------------------
    def _identity(self) -> dict:
        s = self.settings()
        s.pop("budget", None)  # a rerun with a larger budget continues the same search
        s.pop("checkpoint_every", None)
        return {"method": self.name, **s, **getattr(self, "_prior_identity", {})}

    def _save(self, path: Path, objective) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(path, {"identity": json.dumps(self._identity(), sort_keys=True),
                               "objective": json.dumps(objective.state(), allow_nan=True),
                               "rng": _rng_to_json(self.rng_), "steps": self.steps_, "seconds": self.seconds_,
                               "method_state": self._state()})

    def _restore(self, path: Path, objective) -> None:
        try:
            state = load_checkpoint(path)
        except Exception as exc:  # noqa: BLE001 - a damaged file must say which file it is
            raise CheckpointError(f"{path}: cannot be read ({exc}); delete it to start afresh.") from exc
        mine = json.dumps(self._identity(), sort_keys=True)
        if state.get("identity") != mine:
            raise CheckpointError(f"{path}: written by a run with other settings or another prior "
                                  f"({state.get('identity')}); this run is {mine}. Use another --out folder, or "
                                  "the same settings and prior to continue.")
        try:
            objective.load_state(json.loads(state["objective"]))
        except Exception as exc:  # noqa: BLE001
            raise CheckpointError(f"{path}: {exc}") from exc
        self.rng_ = _rng_from_json(state["rng"])
        self.steps_, self.seconds_ = int(state["steps"]), float(state["seconds"])
        self._load_state(state["method_state"])


def latent_map(vae) -> tuple[np.ndarray, np.ndarray]:
    """(mean, L) with z = mean + L x mapping x ~ N(0, I) onto the prior's latent distribution: N(0, I)
    for sample_prior="standard", the fitted aggregate-posterior Gaussian for "aggregate"."""
    if getattr(vae, "sample_prior", "standard") == "aggregate" and getattr(vae, "latent_cov_", None) is not None:
        return np.asarray(vae.latent_mean_, float), np.linalg.cholesky(vae.latent_cov_)
    return np.zeros(vae.latent_dim), np.eye(vae.latent_dim)


def prior_latents(vae, n: int, rng: np.random.Generator) -> np.ndarray:
    """n latent vectors from the prior's own sampler (what `vae.sample` draws), float32."""
    mean, chol = latent_map(vae)
    return (mean + rng.standard_normal((int(n), vae.latent_dim)) @ chol.T).astype(np.float32)
