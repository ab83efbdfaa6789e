"""The SDMetrics-compatible DCR scores equal SDMetrics' own on the same tables (reference implementation)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from pharmasynth.evaluation import align_tables, dcr_baseline_protection, dcr_overfitting_protection

sdm = pytest.importorskip("sdmetrics.single_table", reason="SDMetrics is in the [dev] and [bench] extras")

SDTYPE = {"numeric": "numerical", "categorical": "categorical", "boolean": "boolean", "datetime": "datetime"}


def _table(rng, n):
    df = pd.DataFrame({
        "age": rng.integers(18, 90, n).astype(float), "lab": rng.normal(size=n), "dose": rng.gamma(2.0, size=n),
        "sex": rng.choice(["F", "M"], n), "site": rng.choice(list("abcde"), n), "smoker": rng.random(n) < 0.3,
    })
    df.loc[rng.random(n) < 0.1, "lab"] = np.nan
    df.loc[rng.random(n) < 0.1, "site"] = None
    return df


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(0)
    train, holdout, syn = _table(rng, 300), _table(rng, 250), _table(rng, 280)
    syn.iloc[:100] = train.iloc[:100].to_numpy()            # a leaky generator: copies of training rows
    syn.loc[:99, "lab"] += rng.normal(scale=0.01, size=100)
    tr, sy, ho, schema = align_tables(train, syn, holdout)
    return tr, sy, ho, schema, {"columns": {c: {"sdtype": SDTYPE[k]} for c, k in schema.kinds.items()}}


def test_overfitting_protection_equals_sdmetrics(tables):
    tr, sy, ho, schema, meta = tables
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sdm.DCROverfittingProtection.compute_breakdown(tr, sy, ho, meta, None)
    ours = dcr_overfitting_protection(tr, sy, ho, schema)
    assert ref["score"] < 1.0  # the copies make this a real test, not 1.0 == 1.0
    assert ours["score"] == pytest.approx(ref["score"], abs=1e-9)
    assert ours["closer_to_training"] == pytest.approx(ref["synthetic_data_percentages"]["closer_to_training"], abs=1e-9)


def test_baseline_protection_equals_sdmetrics_on_its_random_table(tables):
    tr, sy, _, schema, meta = tables
    sdm.DCRBaselineProtection._seed = 7
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.random.seed(7)   # SDMetrics draws the random table's missing mask from the global RNG
            ref = sdm.DCRBaselineProtection.compute_breakdown(tr, sy, meta, None)
            np.random.seed(7)
            rand = sdm.DCRBaselineProtection._generate_random_data(tr, len(sy))
    finally:
        sdm.DCRBaselineProtection._seed = None
        np.random.seed(None)
    _, rand_a, _, _ = align_tables(tr, rand)
    ours = dcr_baseline_protection(tr, sy, schema, random_data=rand_a)
    assert ours["median_dcr_synthetic"] == pytest.approx(ref["median_DCR_to_real_data"]["synthetic_data"], abs=1e-6)
    assert ours["median_dcr_random"] == pytest.approx(ref["median_DCR_to_real_data"]["random_data_baseline"], abs=1e-6)
    assert ours["score"] == pytest.approx(ref["score"], abs=1e-6)
