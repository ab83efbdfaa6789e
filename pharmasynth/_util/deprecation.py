"""Renamed and moved names stay one release, with a FutureWarning that says what to use instead."""

from __future__ import annotations

import functools
import importlib
import warnings


def warn_deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    warnings.warn(f"{old} is deprecated and will be removed in the next release; use {new} instead.",
                  FutureWarning, stacklevel=stacklevel)


def renamed_kwargs(**renames: str):
    """Decorator: accept each old keyword (`old="new"`) for one release, warn, and pass it on as the new one."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__qualname__}() got both {old}= (deprecated) and {new}=; give {new}= only.")
                    warn_deprecated(f"{fn.__qualname__}({old}=...)", f"{new}=...")
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)
        return wrapper
    return decorate


def moved_names(module: str, moves: dict[str, str]):
    """A module `__getattr__` that serves names which moved elsewhere: {old_name: "new.module:new_name"}."""
    def __getattr__(name):
        target = moves.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        where, new_name = target.split(":")
        warn_deprecated(f"{module}.{name}", f"{where}.{new_name}")
        return getattr(importlib.import_module(where), new_name)
    return __getattr__
