"""The data shipped in the repository's `data/` folder, and one loader for each table.

`data_dir()` is the one place that knows where `data/` is: `$PHARMASYNTH_DATA` when set, else the
`data/` folder of the source checkout. ACTG 175 and GBSG2 also ship inside lifelines, so their
loaders work from an installed package too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .errors import InputFileError

ENV_VAR = "PHARMASYNTH_DATA"


def data_dir() -> Path:
    """`$PHARMASYNTH_DATA`, else the source checkout's data/ folder."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(__file__).resolve().parents[1] / "data"


def _lifelines_copy(name: str) -> Path:
    import lifelines.datasets

    return Path(lifelines.datasets.__file__).parent / name


def load_actg175(drop_id: bool = False) -> pd.DataFrame:
    """ACTG 175 (Hammer et al., NEJM 1996): 2,139 HIV patients, 4 randomised arms (see data/README.md).

    From data/actg175/actg175.csv, or lifelines' byte-identical copy when the repository is not
    there. The file's unnamed first column (a row number) becomes the index, then a 0..n-1 index;
    `drop_id=True` also drops the patient id `pidnum` (an identifier is not a variable to model).
    """
    path = data_dir() / "actg175" / "actg175.csv"
    if not path.is_file():
        path = _lifelines_copy("ACTG175.csv")
    df = pd.read_csv(path, index_col=0).reset_index(drop=True)
    if drop_id:
        df = df.drop(columns=["pidnum"])
    df.attrs["source"] = str(path)
    return df


def actg175_rules_path() -> Path | None:
    """The validity rules written for ACTG 175 (data/actg175/rules.toml), if the repository is there."""
    path = data_dir() / "actg175" / "rules.toml"
    return path if path.is_file() else None


def load_gbsg2() -> pd.DataFrame:
    """GBSG2 (German Breast Cancer Study Group 2; Schumacher et al. 1994): 686 women, randomised
    hormonal therapy horTh ("yes"/"no"); recurrence-free survival: time (days), cens (1 = event).

    Baseline: age, menostat (Pre/Post), tsize (mm), tgrade (I/II/III), pnodes (positive nodes),
    progrec, estrec (progesterone/oestrogen receptors, fmol). Adds an `id` column (row number).
    From data/gbsg2/gbsg2.csv, or lifelines' identical copy.
    """
    path = data_dir() / "gbsg2" / "gbsg2.csv"
    if not path.is_file():
        path = _lifelines_copy("gbsg2.csv")
    df = pd.read_csv(path)
    df.insert(0, "id", range(len(df)))
    df.attrs["source"] = str(path)
    return df


def moses_file(split: str) -> Path:
    """data/moses/<split>.smi.gz (train, test, test_scaffolds): the shipped MOSES subset."""
    folder = data_dir() / "moses"
    for ext in (".smi", ".smi.gz", ".csv", ".csv.gz"):
        path = folder / f"{split}{ext}"
        if path.is_file():
            return path
    raise InputFileError(f"{folder}: no MOSES {split!r} file (.smi/.csv, optionally .gz); the MOSES subset "
                         "ships with the source repository (see data/README.md).")
