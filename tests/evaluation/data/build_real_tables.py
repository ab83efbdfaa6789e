"""Builds the four real test tables (run once; the .csv.gz files are committed):

    Rscript tests/evaluation/data/export_survival.R            # raw_pbc / raw_colon from R's survival
    .venv/bin/python tests/evaluation/data/build_real_tables.py

Each table is real clinical/social data from a different source. Where the source has no dates,
no identifier or no many-level code column, realistic ones are ADDED (seeded, documented in
README.md): dates are derived from the real follow-up times, so their intervals and order are
the data's own; codes are drawn from a Zipf law over ICD-10 / ATC / offence-like code lists,
tied to a real column so that a column-shuffled table loses that link.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def zipf_codes(rng, n_levels: int, size: int, make, exponent: float = 1.1, shift=None) -> np.ndarray:
    """`size` codes from `n_levels` made-up-but-well-formed codes with Zipf frequencies; `shift`
    (an int array) rotates the ranking per row so the code depends on a real column."""
    levels = np.array([make(i) for i in range(n_levels)])
    p = 1.0 / np.arange(1, n_levels + 1) ** exponent
    rank = rng.choice(n_levels, size=size, p=p / p.sum())
    if shift is not None:
        rank = (rank + 7 * np.asarray(shift)) % n_levels
    return levels[rank]


def icd10(i: int) -> str:
    letters = "ABCDEFGIJKMNR"
    return f"{letters[i % len(letters)]}{10 + (i * 7) % 90:02d}.{(i * 3) % 10}"


def atc(i: int) -> str:
    groups = ["A10BA", "C09AA", "C10AA", "N02BE", "B01AC", "C07AB", "A02BC", "R03AC", "C08CA", "N06AB"]
    return f"{groups[i % len(groups)]}{1 + i // len(groups):02d}"


def write(df: pd.DataFrame, name: str) -> None:
    df.to_csv(HERE / f"{name}.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})


def days(rng, lo: str, hi: str, size: int) -> pd.Series:
    start, stop = pd.Timestamp(lo), pd.Timestamp(hi)
    return pd.Series(start + pd.to_timedelta(rng.integers(0, (stop - start).days, size), unit="D"))


def build_pbc(rng) -> None:
    """Mayo Clinic primary biliary cholangitis trial (R survival::pbc), 418 patients, 1974-1984.
    Added: registration date (uniform over the enrolment years), birth date (from the real age),
    last-contact date (registration + the real follow-up `time`), all written DD-MM-YYYY; an
    ICD-10-like comorbidity code (Zipf, rotated by the real stage)."""
    df = pd.read_csv(HERE / "raw_pbc.csv.gz")
    reg = days(rng, "1974-01-01", "1984-05-01", len(df))
    birth = reg - pd.to_timedelta((df["age"] * 365.25).round(), unit="D")
    last = reg + pd.to_timedelta(df["time"], unit="D")
    df.insert(1, "birthdate", birth.dt.strftime("%d-%m-%Y"))
    df.insert(2, "regdate", reg.dt.strftime("%d-%m-%Y"))
    df.insert(3, "lastdate", last.dt.strftime("%d-%m-%Y"))
    df["icd10"] = zipf_codes(rng, 300, len(df), icd10, shift=df["stage"].fillna(0).astype(int))
    write(df.drop(columns=["time", "age"]), "pbc")


def build_colon(rng) -> None:
    """Adjuvant chemotherapy for colon cancer (R survival::colon; Moertel et al.), 929 patients,
    one row each, recurrence joined. Added: surgery date, recurrence date (surgery + real time to
    recurrence, missing without recurrence), last-contact date (surgery + real follow-up), written
    DD.MM.YYYY; a hospital code (120 levels, Zipf, rotated by the real study arm)."""
    df = pd.read_csv(HERE / "raw_colon.csv.gz")
    surg = days(rng, "1984-03-01", "1988-10-31", len(df))
    rec = (surg + pd.to_timedelta(df["rectime"], unit="D")).where(df["recstatus"] == 1)
    last = surg + pd.to_timedelta(df["time"], unit="D")
    df.insert(1, "surgdate", surg.dt.strftime("%d.%m.%Y"))
    df.insert(2, "recdate", rec.dt.strftime("%d.%m.%Y"))
    df.insert(3, "lastdate", last.dt.strftime("%d.%m.%Y"))
    arm = df["rx"].map({"Obs": 0, "Lev": 1, "Lev+5FU": 2}).to_numpy()
    df["hospital"] = zipf_codes(rng, 120, len(df), lambda i: f"H{100 + i:03d}", shift=arm)
    write(df.drop(columns=["time", "rectime", "recstatus", "etype", "study"]), "colon")


def build_rossi(rng) -> None:
    """Recidivism of 432 released prisoners (Rossi et al. 1980, lifelines.datasets.load_rossi).
    Added: an accession-like person id (shuffled), release date (1971-1972), first-arrest date
    (release + the real week of arrest; missing without arrest), study-end date (release + 52
    weeks), written MM/DD/YYYY; an offence code (80 levels, Zipf, rotated by real prior convictions)."""
    from lifelines.datasets import load_rossi

    df = load_rossi()
    release = days(rng, "1971-01-01", "1972-12-31", len(df))
    arrest = (release + pd.to_timedelta(df["week"] * 7, unit="D")).where(df["arrest"] == 1)
    df.insert(0, "person", [f"RS-{i:06d}" for i in rng.permutation(900_000)[:len(df)] + 100_000])
    df.insert(1, "releasedate", release.dt.strftime("%m/%d/%Y"))
    df.insert(2, "arrestdate", arrest.dt.strftime("%m/%d/%Y"))
    df.insert(3, "enddate", (release + pd.Timedelta(weeks=52)).dt.strftime("%m/%d/%Y"))
    df["offence"] = zipf_codes(rng, 80, len(df), lambda i: f"PC{211 + 13 * i}", shift=df["prio"].clip(upper=10))
    write(df.drop(columns=["week"]), "rossi")


def build_diabetes(rng) -> None:
    """Diabetes progression of 442 patients (Efron et al. 2004, sklearn.datasets.load_diabetes,
    raw units). Added: a UUID patient id, baseline visit date-time, lab date-time (1-14 days later),
    follow-up date (one year on), ISO written with times; an ATC drug code (150 levels, Zipf,
    rotated by the real BMI decile)."""
    from sklearn.datasets import load_diabetes

    df = load_diabetes(as_frame=True, scaled=False).frame
    visit = days(rng, "1998-01-01", "2001-12-31", len(df)) + pd.to_timedelta(rng.integers(8 * 60, 17 * 60, len(df)), unit="min")
    lab = visit + pd.to_timedelta(rng.integers(1, 15, len(df)), unit="D")
    import uuid

    df.insert(0, "patient", [str(uuid.UUID(int=int(rng.integers(2**62)) << 64 | int(rng.integers(2**62)), version=4))
                             for _ in range(len(df))])
    df.insert(1, "visit", visit.dt.strftime("%Y-%m-%d %H:%M"))
    df.insert(2, "labdate", lab.dt.strftime("%Y-%m-%d %H:%M"))
    df.insert(3, "followup", (visit + pd.Timedelta(days=365)).dt.strftime("%Y-%m-%d"))
    decile = pd.qcut(df["bmi"], 10, labels=False).to_numpy()
    df["atc"] = zipf_codes(rng, 150, len(df), atc, shift=decile)
    write(df, "diabetes")


if __name__ == "__main__":
    rng = np.random.default_rng(20261130)
    for build in (build_pbc, build_colon, build_rossi, build_diabetes):
        build(rng)
