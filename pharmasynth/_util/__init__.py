"""What two or more subpackages share: randomness, devices, atomic writes, progress, model files,
the training loop, figures, parallel fan-out and deprecation shims."""

from .atomic import atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text
from .device import resolve_device
from .parallel import parallel_map
from .progress import progress
from .random import as_rng, spawn_seeds, torch_generator

__all__ = [
    "as_rng",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "parallel_map",
    "progress",
    "resolve_device",
    "spawn_seeds",
    "torch_generator",
]
