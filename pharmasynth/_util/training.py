"""The one torch training loop: epochs or steps, progress, checkpoint/resume, AMP, EMA, DDP, early stopping.

A model supplies `step_fn(model, indices, step) -> loss` (or `(loss, {"name": value})`): the
forward pass and the loss of one batch, drawing any noise it needs from its own generator. The
loop owns everything around it, always in the same order, so that every model trains, logs,
checkpoints and resumes alike:

    for each step:  order of the epoch (drawn at its first batch) -> batch indices -> step_fn
                    -> backward (through the AMP scaler) -> clip -> optimizer -> LR schedule -> EMA
    at epoch end:   history row (batch-size-weighted means), validation and early stopping,
                    checkpoint if asked
A checkpoint holds the network, optimizer, scaler, EMA, the generator's state, the step, the
epoch's order and the history, so a resumed run ends with exactly the weights of an
uninterrupted one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .progress import progress
from .serialization import save_checkpoint
from .torchtools import EMA


@dataclass
class TrainResult:
    step: int = 0
    epochs_run: int = 0
    history: list = field(default_factory=list)       # one dict per epoch: epoch, step, loss, logged means
    step_losses: list = field(default_factory=list)   # one float per optimizer step
    stopped_early: bool = False


@dataclass
class TrainingLoop:
    """Settings of one training run; `run(step_fn)` trains `net` in place.

    n, batch_size   items and batch size; `drop_last` leaves out the last partial batch
    epochs / steps  the length (exactly one)
    generator       the torch.Generator of the run; its state is checkpointed
    order           "shuffle" (a permutation from `generator` each epoch), "fixed" (0..n-1), or a
                    callable epoch -> index tensor (e.g. a permutation from a per-epoch seed)
    optimizer, lr_scheduler (stepped after every optimizer step), grad_clip, scaler (AMP), ema
    validate        callable -> float run at each epoch end (in eval mode); with `patience`, training
                    stops after that many epochs without improvement and the best weights are restored
    checkpoint_path, checkpoint_every (steps; None = at each epoch end), checkpoint_extra (stored too)
    rank, world     torchrun's: only rank 0 writes checkpoints and shows progress
    """

    net: object
    optimizer: object
    n: int
    batch_size: int
    generator: object
    epochs: int | None = None
    steps: int | None = None
    order: str | Callable = "shuffle"
    drop_last: bool = False
    lr_scheduler: object = None
    grad_clip: float | None = None
    scaler: object = None
    ema: EMA | None = None
    validate: Callable[[], float] | None = None
    patience: int | None = None
    checkpoint_path: str | Path | None = None
    checkpoint_every: int | None = None
    checkpoint_extra: dict = field(default_factory=dict)
    keep_step_losses: bool = False
    rank: int = 0
    world: int = 1
    desc: str = "train"
    progress_bar: bool | None = None

    @property
    def batches_per_epoch(self) -> int:
        if self.drop_last:
            return max(1, self.n // self.batch_size)
        return max(1, math.ceil(self.n / self.batch_size))

    @property
    def total_steps(self) -> int:
        if (self.epochs is None) == (self.steps is None):
            raise ValueError("give the training length as epochs or steps (exactly one).")
        return int(self.steps) if self.steps is not None else int(self.epochs) * self.batches_per_epoch

    def _order(self, epoch: int):
        import torch

        if callable(self.order):
            return self.order(epoch)
        if self.order == "fixed":
            return torch.arange(self.n)
        return torch.randperm(self.n, generator=self.generator)

    def run(self, step_fn, resume_from: dict | None = None) -> TrainResult:
        import torch

        net, opt = self.net, self.optimizer
        model = net
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            model = DistributedDataParallel(net)
        res, order = TrainResult(), None
        if resume_from is not None:
            order = self._restore(resume_from, res)
        total, per_epoch, b = self.total_steps, self.batches_per_epoch, self.batch_size
        sums: dict[str, float] = {}
        best, best_state, wait = math.inf, None, 0
        bar = progress(total=total, initial=res.step, desc=self.desc,
                       enable=self.progress_bar if self.rank == 0 else False)
        net.train()
        while res.step < total:
            epoch, pos = divmod(res.step, per_epoch)
            if pos == 0 or order is None:
                order = self._order(epoch)
            idx = order[pos * b:(pos + 1) * b]
            out = step_fn(model, idx, res.step)
            loss, logs = out if isinstance(out, tuple) else (out, {})
            opt.zero_grad(set_to_none=True)
            if self.scaler is not None:
                self.scaler.scale(loss).backward()
                if self.grad_clip is not None:
                    self.scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(net.parameters(), self.grad_clip)
                self.scaler.step(opt)
                self.scaler.update()
            else:
                loss.backward()
                if self.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(net.parameters(), self.grad_clip)
                opt.step()
            if self.lr_scheduler is not None:
                self.lr_scheduler.step()
            if self.ema is not None:
                self.ema.update(net, res.step)
            res.step += 1
            value = float(loss.detach())
            if self.keep_step_losses:
                res.step_losses.append(value)
            logged = {k: float(v.detach()) if hasattr(v, "detach") else float(v) for k, v in logs.items()}
            for k, v in {"loss": value, **logged}.items():
                sums[k] = sums.get(k, 0.0) + v * len(idx)
            sums["_n"] = sums.get("_n", 0.0) + len(idx)
            bar.update(1)
            if pos + 1 == per_epoch:  # the epoch ends
                row = {"epoch": epoch + 1, "step": res.step,
                       **{k: v / sums["_n"] for k, v in sums.items() if k != "_n"}}
                sums = {}
                res.epochs_run = epoch + 1
                if self.validate is not None:
                    net.eval()
                    with torch.no_grad():
                        row["val_loss"] = float(self.validate())
                    net.train()
                res.history.append(row)
                if self.patience is not None and self.validate is not None:
                    if row["val_loss"] < best - 1e-5:
                        best, wait = row["val_loss"], 0
                        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                    else:
                        wait += 1
                        if wait >= self.patience:
                            res.stopped_early = True
                            break
                if self.checkpoint_every is None:
                    self._checkpoint(res, order)
            if self.checkpoint_every is not None and res.step % int(self.checkpoint_every) == 0:
                self._checkpoint(res, order)
        bar.close()
        if self.checkpoint_every is not None:
            self._checkpoint(res, order)
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        return res

    # ---- checkpoints ---------------------------------------------------------------------------
    def _checkpoint(self, res: TrainResult, order) -> None:
        if self.checkpoint_path is None:
            return
        if self.rank == 0:
            state = {"model": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                     "generator": self.generator.get_state(), "step": res.step, "epochs_run": res.epochs_run,
                     "history": res.history, "step_losses": res.step_losses, **self.checkpoint_extra}
            if self.scaler is not None:
                state["scaler"] = self.scaler.state_dict()
            if self.ema is not None:
                state["ema"] = self.ema.state_dict()
            if self.lr_scheduler is not None:
                state["lr_scheduler"] = self.lr_scheduler.state_dict()
            if order is not None and not callable(self.order):
                state["order"] = order
            save_checkpoint(self.checkpoint_path, state)
        if self.world > 1:
            import torch.distributed

            torch.distributed.barrier()

    def _restore(self, state: dict, res: TrainResult):
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        for key, part in (("scaler", self.scaler), ("ema", self.ema), ("lr_scheduler", self.lr_scheduler)):
            if part is not None and key in state:
                part.load_state_dict(state[key])
        res.step, res.epochs_run = int(state["step"]), int(state.get("epochs_run", 0))
        res.history, res.step_losses = list(state.get("history", [])), list(state.get("step_losses", []))
        return state.get("order")
