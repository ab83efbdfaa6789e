"""Model files: a JSON config plus safetensors weights; training checkpoints that resume.

A saved model is a folder:
    config.json         the constructor settings, fitted scalars, vocabularies, format version
    model.safetensors   the weights (flat name -> tensor)
Nothing in it is pickled and no training record is stored in it. Training checkpoints hold the
optimizer state as well and are read back with `torch.load(weights_only=True)`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import CheckpointError
from .atomic import atomic_path, atomic_write_json

FORMAT_VERSION = 1


def save_model(path, config: dict, tensors: dict) -> Path:
    """Write `config` (JSON-able) and `tensors` (name -> torch.Tensor) to the folder `path`."""
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    with atomic_path(path / "model.safetensors") as tmp:
        save_file(flat, str(tmp))
    atomic_write_json(path / "config.json", {"format_version": FORMAT_VERSION, **config})
    return path


def load_model(path, expected_class: str | None = None) -> tuple[dict, dict]:
    """Read back `(config, tensors)` written by `save_model`; clear errors if anything is off."""
    from safetensors.torch import load_file

    path = Path(path)
    cfg_file, w_file = path / "config.json", path / "model.safetensors"
    for f in (cfg_file, w_file):
        if not f.is_file():
            raise CheckpointError(f"{f}: missing. A saved model is a folder with config.json and "
                                  "model.safetensors, as written by .save(path).")
    try:
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg_file}: not valid JSON ({exc}).") from exc
    if expected_class is not None and config.get("class") not in (None, expected_class):
        raise CheckpointError(f"{path}: holds a {config.get('class')!r}, not a {expected_class!r}.")
    try:
        tensors = load_file(str(w_file))
    except Exception as exc:  # safetensors raises its own error types
        raise CheckpointError(f"{w_file}: cannot be read as safetensors ({exc}).") from exc
    return config, tensors


def save_checkpoint(path, state: dict) -> Path:
    """Atomically save a training checkpoint (model/optimizer state dicts, step, RNG states).

    Only tensors, numbers, strings, lists and dicts: it must load with weights_only=True.
    """
    import torch

    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(path, map_location="cpu") -> dict:
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no checkpoint there.")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path}: cannot be loaded safely ({exc}). Checkpoints are read with "
                              "weights_only=True; was it written by pharmasynth?") from exc
