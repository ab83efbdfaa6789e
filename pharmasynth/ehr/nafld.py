"""The shipped NAFLD cohort (Allen et al., Hepatology 2018; R survival 3.5.3): see data/nafld/README.md."""

from __future__ import annotations

import warnings

from ..datasets import data_dir
from ..errors import InputFileError, SkippedRecordsWarning
from .timelines import TimelineSchema, Timelines, read_timelines

# The static columns kept as patient attributes (case.id, the matching key, is an identifier).
NAFLD_ATTRIBUTES = ("age", "male", "weight", "height", "bmi")


def nafld_paths() -> dict:
    folder = data_dir() / "nafld"
    paths = {k: folder / f"nafld{i}.csv.gz" for i, k in enumerate(("static", "measurements", "events"), start=1)}
    for p in paths.values():
        if not p.is_file():
            raise InputFileError(f"{p}: missing. Re-create it with `Rscript data/nafld/export_nafld.R` "
                                 "(needs R's survival package) or set $PHARMASYNTH_DATA.")
    return paths


def load_nafld(quiet: bool = True) -> Timelines:
    """17,549 patients, 400,123 measurements, 34,340 events, validated.

    The source has 3,817 exact duplicate measurement rows and 13 events dated after the end of
    follow-up (9 after death); they are dropped and listed in `.skipped`. With `quiet=False` the
    `SkippedRecordsWarning` is shown.
    """
    p = nafld_paths()
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", SkippedRecordsWarning)
        tl = read_timelines(p["static"], p["measurements"], p["events"], TimelineSchema(), on_error="drop")
    keep = ["id", "futime", "status", *NAFLD_ATTRIBUTES]
    tl.static = tl.static[keep]
    return tl
