"""Named exceptions and warnings shared by every subpackage.

Every message says what was wrong, where (file, line/row, column, rule, class) and what to do.
Each error also derives from the built-in type a caller would naturally catch (ValueError, ...).
"""

from __future__ import annotations


class PharmasynthError(Exception):
    """Base class of every error raised on purpose by pharmasynth."""


class SchemaError(PharmasynthError, ValueError):
    """A table does not have the columns or types that were expected."""


class DataError(PharmasynthError, ValueError):
    """Input data are present but unusable (empty, all-NaN, constant target, ...)."""


class InputFileError(PharmasynthError, ValueError):
    """A file cannot be read: missing, empty, corrupt or of an unknown format."""


class RuleError(PharmasynthError, ValueError):
    """A validity rule is malformed or names a column that does not exist."""


class InvalidSmilesError(PharmasynthError, ValueError):
    """A SMILES string cannot be parsed (or none of a file's SMILES can)."""


class NotFittedError(PharmasynthError, RuntimeError):
    """A model was used before `fit` (or `load`)."""


class UsageError(PharmasynthError, ValueError):
    """Command-line options that are malformed or do not fit together."""


class CheckpointError(PharmasynthError, RuntimeError):
    """A saved model or checkpoint is missing, corrupt or from an incompatible configuration."""


class PharmasynthWarning(UserWarning):
    """Base class of warnings; each message says what to try next."""


class DataWarning(PharmasynthWarning):
    """Data look suspicious but going on is right (e.g. a holdout overlaps the training data)."""


class ExtrapolationWarning(PharmasynthWarning):
    """A model is asked to predict far outside what it saw in training."""


class SkippedRecordsWarning(PharmasynthWarning):
    """Some input records were skipped; the report lists them."""


class RuleWarning(PharmasynthWarning):
    """A rule is broken by the real data itself, so it is reported rather than enforced."""


def check_option(name: str, value: str, allowed) -> str:
    """Check a string option once, loudly (MONAI/diffusers style)."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}.")
    return value
