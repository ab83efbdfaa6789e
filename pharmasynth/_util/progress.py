"""Progress bars on a terminal, silence in CI and logs."""

from __future__ import annotations

import os
import sys


def progress_enabled(enable: bool | None = None) -> bool:
    if enable is not None:
        return enable
    if os.environ.get("PHARMASYNTH_PROGRESS") in ("0", "1"):
        return os.environ["PHARMASYNTH_PROGRESS"] == "1"
    if os.environ.get("CI"):
        return False
    return sys.stderr.isatty()


def progress(iterable=None, total=None, desc: str | None = None, enable: bool | None = None, **kwargs):
    """`tqdm` when stderr is a terminal (and not in CI), a plain pass-through otherwise."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, disable=not progress_enabled(enable),
                dynamic_ncols=True, **kwargs)
