"""Model files: a JSON config plus safetensors weights; training checkpoints that resume.

A saved model is a folder:
    config.json         the class, its constructor settings, fitted scalars, vocabularies, format version
    model.safetensors   the weights (flat name -> tensor)
Nothing in it is pickled and no training record is stored in it. Training checkpoints hold the
optimizer state as well and are read back with `torch.load(weights_only=True)`.

`SavableMixin` gives every model the same `save(path)` / `load(path)`.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from ..errors import CheckpointError
from .atomic import atomic_path, atomic_write_json
from .random import savable_seed

FORMAT_VERSION = 1


def save_model(path, config: dict, tensors: dict) -> Path:
    """Write `config` (JSON-able) and `tensors` (name -> torch.Tensor or array) to the folder `path`."""
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    flat = {k: torch.as_tensor(v).detach().cpu().contiguous() for k, v in tensors.items()}
    with atomic_path(path / "model.safetensors") as tmp:
        save_file(flat, str(tmp))
    atomic_write_json(path / "config.json", {"format_version": FORMAT_VERSION, **config})
    return path


def read_config(path) -> dict:
    """The config.json of a saved model folder, with clear errors."""
    cfg_file = Path(path) / "config.json"
    if not cfg_file.is_file():
        raise CheckpointError(f"{cfg_file}: missing. A saved model is a folder with config.json and "
                              "model.safetensors, as written by .save(path).")
    try:
        return json.loads(cfg_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg_file}: not valid JSON ({exc}).") from exc


def load_model(path, expected_class: str | None = None) -> tuple[dict, dict]:
    """Read back `(config, tensors)` written by `save_model`; clear errors if anything is off."""
    from safetensors.torch import load_file

    path = Path(path)
    config = read_config(path)
    w_file = path / "model.safetensors"
    if not w_file.is_file():
        raise CheckpointError(f"{w_file}: missing. A saved model is a folder with config.json and "
                              "model.safetensors, as written by .save(path).")
    if expected_class is not None and config.get("class") != expected_class:
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


def _json_param(value):
    return list(value) if isinstance(value, tuple) else value


class SavableMixin:
    """`save(path)` / `load(path)` for a model whose settings are its `__init__` arguments.

    A subclass provides `_check_fitted()`, `_state() -> (config extras, tensors)` and
    `_restore(config, tensors)`; constructor arguments named in `_NOT_SAVED` (e.g. another model
    passed in) are not written and are given to `load` instead.
    """

    _NOT_SAVED: tuple[str, ...] = ()

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [n for n, p in sig.parameters.items()
                if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self) -> dict:
        """Constructor settings as given (scikit-learn's convention)."""
        return {n: getattr(self, n) for n in self._param_names()}

    def _saved_params(self) -> dict:
        out = {}
        for name, value in self.get_params().items():
            if name in self._NOT_SAVED:
                continue
            out[name] = savable_seed(value) if name == "random_state" else _json_param(value)
        return out

    def save(self, path) -> Path:
        """A folder with config.json (class, settings, fitted summaries) and model.safetensors. No records."""
        self._check_fitted()
        extras, tensors = self._state()
        config = {"class": type(self).__name__, "params": self._saved_params(), **extras}
        return save_model(path, config, tensors)

    @classmethod
    def load(cls, path, **params):
        """Read a folder written by `save`; `params` override saved settings (e.g. device="cuda"),
        an override of None keeps the saved setting."""
        config, tensors = load_model(path, expected_class=cls.__name__)
        obj = cls(**{**config["params"], **{k: v for k, v in params.items() if v is not None}})
        try:
            obj._restore(config, tensors)
        except (KeyError, RuntimeError, ValueError) as exc:
            raise CheckpointError(f"{path}: the saved {cls.__name__} is incomplete or does not fit its "
                                  f"config ({exc}).") from exc
        if hasattr(obj, "_start_sampling"):
            obj._start_sampling()
        return obj
