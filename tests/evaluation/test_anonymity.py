import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import SchemaError
from pharmasynth.evaluation import anonymity_metrics
from pharmasynth.evaluation.anonymity import generalise
from pharmasynth.evaluation.tabular import align_tables


def _rows(rows):
    return {m.name: m for m in rows}


def test_k_anonymity_and_l_diversity_count_known_classes():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"site": rng.choice(["a", "b", "c"], 300), "sex": rng.choice(["F", "M"], 300),
                         "dx": rng.choice(["x", "y", "z"], 300)})
    # synthetic: class (c, F) holds exactly 2 rows, both with dx == "x"; the other five classes >= 50 rows
    syn = pd.concat([pd.DataFrame({"site": ["a"] * 100 + ["b"] * 100 + ["c"] * 58,
                                   "sex": (["F", "M"] * 50) * 2 + ["M"] * 58,
                                   "dx": rng.choice(["x", "y", "z"], 258)}),
                     pd.DataFrame({"site": ["c", "c"], "sex": ["F", "F"], "dx": ["x", "x"]})], ignore_index=True)
    r, s, _, schema = align_tables(real, syn)
    m = _rows(anonymity_metrics(r, s, None, schema, quasi_identifiers=["site", "sex"], sensitive=["dx"]))
    k = m["k_anonymity"]
    assert k.value == 2 and k.score is None
    assert k.details["share_below_k"] == pytest.approx(2 / 260) and k.details["n_classes"] == 6
    assert m["l_diversity:dx"].value == 1 and m["l_diversity:dx"].details["share_classes_l1"] == pytest.approx(1 / 6)
    assert m["identifiability"].status == "skipped"          # needs the holdout as its control


def test_generalisation_bins_numbers_at_real_quantiles_and_dates_to_years():
    real = pd.DataFrame({"age": np.arange(100.0), "when": pd.date_range("2019-06-01", periods=100, freq="7D")})
    other = pd.DataFrame({"age": [5.0, 95.0, np.nan], "when": pd.to_datetime(["2019-07-01", "2020-12-31", None])})
    r, o, _, schema = align_tables(real, other)
    key_r, key_o = generalise([r, o], schema, ["age", "when"], bins=5)
    assert key_r.nunique() <= 5 * 2 and list(key_o) == ["0\x1f2019", "4\x1f2020", "NA\x1f<NA>"]


def test_identifiability_copies_against_control(tables):
    real, fresh, holdout = (t.iloc[:400] for t in tables)
    for syn, expect_leak in ((real.copy(), True), (fresh, False)):
        r, s, h, schema = align_tables(real, syn, holdout)
        m = _rows(anonymity_metrics(r, s, h, schema, quasi_identifiers=["x", "site", "when"]))["identifiability"]
        if expect_leak:    # every training record has its own copy at distance 0
            assert m.value == 1.0 and m.score < 0.05
        else:              # fresh draws identify training records as often as holdout records
            assert abs(m.value - m.details["control"]) < 0.08 and m.score > 0.85


def test_unknown_quasi_identifier_is_a_clear_error(tables):
    real, fresh, _ = tables
    r, s, _, schema = align_tables(real.iloc[:50], fresh.iloc[:50])
    with pytest.raises(SchemaError, match="zip"):
        anonymity_metrics(r, s, None, schema, quasi_identifiers=["zip"])
