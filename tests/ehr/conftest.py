"""Shared fixtures: PBC sequential data (Mayo Clinic, a different source than the shipped NAFLD set)."""

from pathlib import Path

import pytest

from pharmasynth.ehr import TimelineSchema, TimelineSynthesizer, read_timelines

DATA = Path(__file__).parent / "data"
PBC_SCHEMA = TimelineSchema(time="day")


def pbc_paths():
    return {k: DATA / f"pbcseq_{k}.csv.gz" for k in ("static", "measurements", "events")}


@pytest.fixture(scope="session")
def pbc_files():
    return pbc_paths()


@pytest.fixture(scope="session")
def pbc():
    p = pbc_paths()
    return read_timelines(p["static"], p["measurements"], p["events"], PBC_SCHEMA)


@pytest.fixture(scope="session")
def pbc_model(pbc):
    return TimelineSynthesizer(covariates=["age", "male"], em_sweeps=3, random_state=0).fit(pbc)
