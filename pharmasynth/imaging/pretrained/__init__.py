"""Generator weights that ship with pharmasynth (config.json + model.safetensors + MODEL_CARD.md each).

    shipped32   ConditionalDiffusion trained on the shipped demo set's training split at 32x32
                (classes brain_epi, brain_t1, lesion); how and how long: shipped32/MODEL_CARD.md

Load with `ConditionalDiffusion.load(pretrained_path("shipped32"))`; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import UsageError

PRETRAINED = ("shipped32",)


def pretrained_path(name: str) -> Path:
    """The folder of the shipped weights `name` (one of PRETRAINED); a clear error if absent."""
    if name not in PRETRAINED:
        raise UsageError(f"no shipped weights named {name!r}; available: {', '.join(PRETRAINED)}.")
    path = Path(__file__).parent / name
    if not (path / "config.json").is_file() or not (path / "model.safetensors").is_file():
        raise UsageError(f"the shipped weights {name!r} are missing from {path} (a source checkout without "
                         "them?); retrain with `pharmasynth demo --train` or ConditionalDiffusion(...).fit.")
    return path
