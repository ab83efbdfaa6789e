"""The cohort query language: answers checked by hand, and bad queries refused clearly."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.ehr import Timelines, validate
from pharmasynth.ehr.battery import compare_queries, standard_battery
from pharmasynth.ehr.queries import parse, query
from pharmasynth.errors import DataWarning, UsageError


@pytest.fixture()
def small():
    static = pd.DataFrame({"id": [1, 2, 3, 4], "futime": [730.5, 365.25, 1461, 365.25], "status": [0, 1, 0, 0],
                           "age": [45, 62, 70, 38], "male": [1, 0, 1, 0]})
    meas = pd.DataFrame({"id": [1, 1, 2, 3, 3], "days": [10, 400, 100, 50, 800], "test": ["hdl"] * 5,
                         "value": [40.0, 50.0, 60.0, 30.0, 70.0]})
    events = pd.DataFrame({"id": [1, 3, 4, 2], "days": [365.25, -10, 100, 200], "event": ["MI", "MI", "htn", "MI"]})
    return validate(Timelines(static, meas, events))


def test_count(small):
    a = query(small, "count where age >= 60")
    assert a["value"].tolist() == [2] and a["share"].tolist() == [0.5]
    b = query(small, "count by male where history:MI == 0")
    assert dict(zip(b["male"], b["value"])) == {0: 2, 1: 1}


def test_incidence_per_1000_person_years(small):
    a = query(small, "incidence MI")
    # at risk: 1 (1 yr, event), 2 (200 d, event), 4 (1 yr); 3 had MI before index
    py = 1 + 200 / 365.25 + 1
    assert a["events"].item() == 2 and a["person_years"].item() == pytest.approx(py)
    assert a["value"].item() == pytest.approx(2000 / py)
    assert a["ci_low"].item() < a["value"].item() < a["ci_high"].item()
    d = query(small, "incidence death by male")
    assert d.set_index("male").loc[0, "events"] == 1


def test_mean_by_group_and_period(small):
    a = query(small, "mean hdl by year during 0..1000")
    assert dict(zip(a["year"], a["value"])) == {0: pytest.approx(43.3333333), 1: 50.0, 2: 70.0}
    b = query(small, "mean hdl where ever:MI == 1 and male == 1")
    assert b["value"].item() == pytest.approx(47.5)


def test_amplified_events_are_divided_out(small):
    small.events["amplification"] = np.where(small.events["event"] == "MI", 10.0, 1.0)
    with pytest.warns(DataWarning, match="amplified x10"):
        a = query(small, "incidence MI")
    assert a["amplification_divided_out"].item() == 10


@pytest.mark.parametrize("bad,match", [
    ("select * from patients", "not understood"),
    ("incidence", "needs an EVENT"),
    ("count where __import__('os').system('x') == 1", "cannot read the condition|unknown name"),
    ("count where nosuch == 1", "unknown name 'nosuch'"),
    ("incidence nosuch", "no event 'nosuch'"),
    ("mean nosuch", "no test 'nosuch'"),
    ("count where male < abc", "needs a number"),
    ("incidence MI during 0..10", "'during' applies to 'mean'"),
    ("count by nosuch", "unknown 'by' name"),
])
def test_bad_queries(small, bad, match):
    with pytest.raises(UsageError, match=match):
        query(small, bad)


def test_parse():
    assert parse("mean hdl by male, age_band during -365..0 where age > 40") == {
        "kind": "mean", "target": "hdl", "by": ["male", "age_band"], "where": "age > 40", "during": (-365.0, 0.0)}


def test_battery_is_twenty_plus_queries_and_zero_error_on_itself(pbc):
    qs = standard_battery(pbc)
    assert len(qs) >= 20
    table, groups = compare_queries(pbc, pbc, qs)
    assert table["error"].isna().all()
    assert np.allclose(table["relative_error"].dropna(), 0)
