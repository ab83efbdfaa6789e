import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataError
from pharmasynth.evaluation import IndependentMarginals, control_tables, evaluate
from pharmasynth.evaluation.tabular import row_hashes


def test_controls_follow_the_stated_protocol(tables):
    real, _, holdout = (t.iloc[:300] for t in tables)
    train, ctrl_holdout, c = control_tables(real, holdout, max_rows=100, random_state=0)
    assert train is real and len(ctrl_holdout) == 150
    assert {k: len(v) for k, v in c.items()} == {"independent real": 100, "copies": 100, "column-shuffled": 100,
                                                  "marginals": 100}
    # the independent sample and the controls' holdout are disjoint halves of the holdout
    h_ind, h_ctrl = set(row_hashes(c["independent real"])), set(row_hashes(ctrl_holdout))
    assert not h_ind & h_ctrl and h_ind <= set(row_hashes(holdout))
    assert np.isin(row_hashes(c["copies"]), row_hashes(real)).all()
    # shuffling keeps every column's values and breaks the rows: x and y lose their correlation of 0.9
    shuf = c["column-shuffled"]
    assert abs(np.corrcoef(shuf["x"], shuf["y"])[0, 1]) < 0.3
    assert not np.isin(row_hashes(shuf), row_hashes(real)).any()
    assert list(shuf.dtypes) == list(real.dtypes)
    # same seed, same controls
    again = control_tables(real, holdout, max_rows=100, random_state=0)[2]
    for k in c:
        pd.testing.assert_frame_equal(c[k], again[k])


def test_without_a_holdout_a_third_of_the_real_table_is_the_independent_sample(tables):
    real = tables[0].iloc[:300]
    train, ctrl_holdout, c = control_tables(real, None, random_state=0)
    assert ctrl_holdout is None and len(train) == 200 and len(c["independent real"]) == 100
    assert not set(row_hashes(c["independent real"])) & set(row_hashes(train))
    with pytest.raises(DataError, match="calibration needs"):
        control_tables(real.iloc[:30], None)


def test_calibrate_places_the_synthetic_table_between_floor_and_ceiling(tables, tmp_path):
    real, _, holdout = (t.iloc[:400] for t in tables)
    synthetic = IndependentMarginals(random_state=0).fit(real).sample(400)
    rep = evaluate(real, synthetic, holdout=holdout, random_state=0, plots=True, calibrate=True,
                   group_weights={"utility": 0})
    cal = rep.calibration.set_index("group")
    assert list(cal.columns[:5]) == ["synthetic", "independent real", "copies", "column-shuffled", "marginals"]
    # the controls order as they must: independent real > shuffled on fidelity, > copies on privacy
    assert cal.loc["fidelity", "independent real"] > cal.loc["fidelity", "column-shuffled"] + 0.1
    assert cal.loc["privacy", "independent real"] > cal.loc["privacy", "copies"] + 0.3
    assert cal.loc["privacy", "floor_is"] == "copies"
    # the marginals table under test sits at its own floor on fidelity, far from the ceiling
    assert cal.loc["fidelity", "position"] < 0.3
    controls = rep.meta["calibration"]["controls"]
    assert controls["copies"]["passed"] is False and "exact_copies" in controls["copies"]["failed_gates"]
    assert controls["independent real"]["passed"] is True
    assert any(f.section == "calibration" for f in rep.figures)
    data = rep.to_dict()
    assert data["calibration"][0]["group"] == "fidelity" and "[calibration]" in rep.to_text()
