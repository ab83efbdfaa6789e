"""Small torch pieces every model shares: weight initialisation, dropout and EMA from explicit
generators, a weights fingerprint, and torchrun's environment."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import os
from typing import Mapping


def init_weights(net, generator, scheme: str = "uniform", scale: float = 0.1) -> None:
    """Initialise every parameter from `generator` (never torch's global seed).

    "uniform": matrices U(-1/sqrt(fan_in), 1/sqrt(fan_in)), everything else 0 (the default of
    torch's Linear, drawn reproducibly). "normal": matrices and kernels N(0, scale^2), the rest 0.
    """
    import torch

    with torch.no_grad():
        for p in net.parameters():
            if scheme == "uniform" and p.dim() == 2:
                bound = 1.0 / math.sqrt(p.shape[1])
                p.uniform_(-bound, bound, generator=generator)
            elif scheme == "normal":
                # biases take their draws too (then start at 0), so every layer's stream is fixed
                p.copy_(torch.randn(p.shape, generator=generator) * (scale if p.dim() > 1 else 0.0))
            else:
                p.zero_()


@contextlib.contextmanager
def isolated_init(seed: int | None = None):
    """Build torch layers inside this block without touching torch's global generator.

    Layers initialise themselves from the global generator; here they draw from a fork of it
    that is restored on exit. With `seed`, the fork is seeded, so the initial weights come from
    the model's own random_state; without, use it for layers whose weights are set afterwards
    from the model's generator (`init_weights`).
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield


def dropout_module(p: float):
    """`nn.Dropout` whose masks come from the module's `generator` attribute, not the global RNG.

    Set `module.generator` (a torch.Generator on the input's device) before training; in eval
    mode it is the identity.
    """
    from torch import nn

    class GeneratorDropout(nn.Module):
        def __init__(self):
            super().__init__()
            self.p, self.generator = float(p), None

        def forward(self, x):
            if not self.training or self.p == 0.0:
                return x
            if self.generator is None:
                raise RuntimeError("GeneratorDropout needs .generator set before training.")
            import torch

            keep = torch.rand(x.shape, generator=self.generator, device=x.device) >= self.p
            return x * keep / (1.0 - self.p)

    return GeneratorDropout()


def set_dropout_generator(net, generator) -> None:
    for m in net.modules():
        if type(m).__name__ == "GeneratorDropout":
            m.generator = generator


class EMA:
    """An exponential moving average of a network's weights, with diffusers' warm-up.

    Step t uses decay min(decay, (1 + t) / (10 + t)): a fixed 0.999 would leave a 400-step CPU
    run's average two-thirds initial weights (0.999**400 = 0.67).
    """

    def __init__(self, net, decay: float):
        self.decay = float(decay)
        self.net = copy.deepcopy(net).requires_grad_(False)

    def update(self, net, step: int) -> None:
        import torch

        decay = min(self.decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, p in zip(self.net.parameters(), net.parameters()):
                pe.lerp_(p, 1.0 - decay)
            for be, b in zip(self.net.buffers(), net.buffers()):
                be.copy_(b)

    def state_dict(self):
        return self.net.state_dict()

    def load_state_dict(self, state):
        self.net.load_state_dict(state)


def hash_tensors(tensors: Mapping) -> str:
    """SHA-256 of named tensors (names, dtypes, values): a fingerprint of saved weights."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(name.encode())
        h.update(str(t.dtype).encode())
        h.update(t.float().numpy().tobytes() if t.dtype.is_floating_point else t.numpy().tobytes())
    return h.hexdigest()


def dist_env() -> tuple[int, int, int]:
    """(rank, world_size, local_rank) from torchrun's environment; (0, 1, 0) outside it."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or "RANK" not in os.environ:
        return 0, 1, 0
    return int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0"))


def init_distributed(device) -> bool:
    """Start the process group under torchrun (gloo on CPU, nccl on CUDA). True if this call started it."""
    import torch.distributed as dist

    _, world, _ = dist_env()
    if world <= 1 or dist.is_initialized():
        return False
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return True
