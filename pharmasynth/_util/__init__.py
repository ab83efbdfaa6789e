"""What two or more subpackages share: randomness, devices, atomic writes, progress, model files."""

from .atomic import atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text
from .progress import progress
from .random import check_random_state, spawn_seeds, torch_generator
from .device import resolve_device

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "progress",
    "check_random_state",
    "spawn_seeds",
    "torch_generator",
    "resolve_device",
]
