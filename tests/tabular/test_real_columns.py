"""The table models on real tables: identifiers re-issued (never modelled, never copied), free
text left out, dates modelled as days and written back in their own format, many-level codes."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import SchemaError
from pharmasynth.evaluation.dates import infer_date_format
from pharmasynth.tabular import GaussianCopula, TabularVAE, load_synthesizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluation"))
from real_tables import REAL_TABLES, SPEC, load_real_table  # noqa: E402


@pytest.mark.parametrize("name", REAL_TABLES)
def test_copula_reissues_ids_and_keeps_each_date_format(name):
    df, _ = load_real_table(name)
    spec = SPEC[name]
    model = GaussianCopula(random_state=0).fit(df)
    syn = model.sample(300)
    assert list(syn.columns) == list(df.columns)
    assert spec["id"] not in model.codec_.names() and "identifier" in model.summary().loc[spec["id"], "kind"]
    if df[spec["id"]].dtype.kind in "iu":  # integer ids: fresh row numbers 1..n, not the patients' numbers
        assert (syn[spec["id"]] == np.arange(1, 301)).all()
    else:  # text ids: fresh SYN- codes, none of the real ones
        assert syn[spec["id"]].str.startswith("SYN-").all() and not syn[spec["id"]].isin(df[spec["id"]]).any()
    for col, fmt in spec["dates"].items():
        found = infer_date_format(syn[col], col)
        assert found is not None and (found.format == fmt or fmt == "ISO8601"), (col, found)
    # the real dates' order survives: a copula on days keeps strongly correlated dates in order
    first, second = spec["order"][0]
    d1 = pd.to_datetime(syn[first], format=None if spec["dates"][first] == "ISO8601" else spec["dates"][first])
    d2 = pd.to_datetime(syn[second], format=None if spec["dates"][second] == "ISO8601" else spec["dates"][second])
    assert (d2 >= d1)[d1.notna() & d2.notna()].mean() > 0.7
    assert syn[spec["code"]].nunique() > 20 and syn[spec["code"]].isin(df[spec["code"]]).all()


def test_ids_named_by_the_user_and_free_text_are_not_modelled(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    words = np.array("pain mild severe nausea after dose resolved next day headache reported".split())
    df = pd.DataFrame({"site_no": rng.integers(1, 5000, n), "x": rng.normal(size=n),
                       "note": [" ".join(rng.choice(words, 6)) for _ in range(n)]})
    model = GaussianCopula(ids=("site_no",), random_state=0).fit(df)
    assert model.codec_.names() == ["x"]
    syn = model.sample(50)
    assert list(syn.columns) == ["site_no", "x", "note"] and syn["note"].isna().all()
    assert (syn["site_no"] == np.arange(1, 51)).all()
    model.save(tmp_path / "m")
    again = load_synthesizer(tmp_path / "m").sample(50, random_state=1)
    assert list(again.columns) == ["site_no", "x", "note"]
    assert "pain" not in (tmp_path / "m" / "config.json").read_text()  # no free text saved in the model
    with pytest.raises(SchemaError, match="ids names column 'patient'"):
        GaussianCopula(ids=("patient",)).fit(df)


def test_vae_runs_on_a_real_table_with_dates_id_and_codes():
    df, _ = load_real_table("rossi")
    syn = TabularVAE(epochs=2, hidden=16, random_state=0).fit(df).sample(100)
    assert list(syn.columns) == list(df.columns) and syn["person"].str.startswith("SYN-").all()
    assert infer_date_format(syn["releasedate"], "releasedate").format == "%m/%d/%Y"
