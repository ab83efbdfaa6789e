import numpy as np
import pandas as pd

from pharmasynth.evaluation.tabular import (TableSchema, align_tables, as_float, encode_for_model, row_hashes,
                                            subsample)


def test_row_hashes_compare_values_not_dtypes():
    a = pd.DataFrame({"n": [3, 0, 1], "c": ["x", "y", None]})
    b = pd.DataFrame({"n": [3.0, -0.0, 2.0], "c": ["x", "y", None]})
    ha, hb = row_hashes(a), row_hashes(b)
    assert ha.dtype == np.uint64 and len(ha) == 3
    assert ha[0] == hb[0] and ha[1] == hb[1] and ha[2] != hb[2]
    # text is text: "3" is not the number 3
    assert row_hashes(pd.DataFrame({"n": ["3"], "c": ["x"]}))[0] != ha[0]


def test_the_holdout_overlap_warning_uses_the_same_hashes(tables):
    real, syn, holdout = tables
    _, _, hold_a, _ = align_tables(real, syn, holdout)
    real_a, _, _, _ = align_tables(real, syn)
    assert not np.isin(row_hashes(hold_a), row_hashes(real_a)).any()


def test_as_float_units_and_missing_values():
    s = pd.Series(pd.to_datetime(["1970-01-01 00:00:02", None]))
    np.testing.assert_array_equal(as_float(s), [2e9, np.nan])
    np.testing.assert_array_equal(as_float(s, datetime_unit="s"), [2.0, np.nan])
    np.testing.assert_array_equal(as_float(pd.Series([1, None, 3])), [1.0, np.nan, 3.0])


def test_encode_for_model_shares_category_codes_across_frames():
    schema = TableSchema({"x": "numeric", "c": "categorical", "b": "boolean"})
    f1 = pd.DataFrame({"x": [1.0, np.nan], "c": ["a", "b"], "b": ["True", None]})
    f2 = pd.DataFrame({"x": [2.0, 3.0], "c": ["b", "z"], "b": ["False", "True"]})
    x1, x2 = encode_for_model([f1, f2], schema)
    assert x1.shape == (2, 3) and x2.shape == (2, 3)
    np.testing.assert_array_equal(x1[:, 0], [1.0, np.nan])
    assert x1[1, 1] == x2[0, 1] and x2[1, 1] not in x1[:, 1]     # "b" has one code in both frames
    assert np.isnan(x1[1, 2]) and x1[0, 2] == x2[1, 2]             # missing stays missing
    assert schema.categorical_mask().tolist() == [False, True, True]


def test_subsample_keeps_order_and_draws_only_when_needed():
    df = pd.DataFrame({"i": range(100)})
    rng = np.random.default_rng(0)
    assert subsample(df, None, rng) is df and subsample(df, 100, rng) is df
    state = rng.bit_generator.state
    sub = subsample(df, 10, rng)
    assert len(sub) == 10 and sub["i"].is_monotonic_increasing and rng.bit_generator.state != state
