import numpy as np
import pandas as pd
import pytest

from pharmasynth.evaluation.neighbours import DistanceEncoder, dcr, nearest_distances
from pharmasynth.evaluation.tabular import align_tables, as_float


def brute_force_dcr(query, reference, schema, encoder=None):
    """Slow, obviously-correct reference implementation: row by row, column by column."""
    enc = encoder or DistanceEncoder(schema, reference, [query])
    out = np.empty(len(query))
    for i in range(len(query)):
        best = np.inf
        for jr in range(len(reference)):
            d = 0.0
            for c in enc.numeric:
                a = as_float(query[c].iloc[[i]], datetime_unit="s")[0]
                b = as_float(reference[c].iloc[[jr]], datetime_unit="s")[0]
                if np.isnan(a) and np.isnan(b):
                    continue
                d += 1.0 if (np.isnan(a) or np.isnan(b)) else min(abs(a - b) / enc.ranges[c], 1.0)
            for c in enc.categorical:
                a, b = enc._cat_key(query[c].iloc[[i]]).iloc[0], enc._cat_key(reference[c].iloc[[jr]]).iloc[0]
                d += 0.0 if a == b else 1.0
            best = min(best, d / enc.n_columns)
        out[i] = best
    return out


def _small(rng, n):
    df = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.integers(0, 20, n).astype(float),
        "c": rng.choice(["x", "y", "z"], n), "d": rng.normal(size=n),
        "e": np.full(n, 3.0),  # zero range: compared by equality
    })
    df.loc[rng.random(n) < 0.15, "d"] = np.nan
    df.loc[rng.random(n) < 0.15, "c"] = None
    return df


def test_chunked_equals_brute_force_with_missing_and_out_of_range():
    rng = np.random.default_rng(0)
    ref, q = _small(rng, 50), _small(rng, 37)
    q.loc[0, "a"] = 25.0     # far outside the reference range: the cap at 1 must apply
    q.loc[1, "e"] = 4.0
    q.loc[2, "c"] = "never-seen"
    ref_a, q_a, _, schema = align_tables(ref, q)
    fast = dcr(q_a, ref_a, schema, chunk_rows=8)
    slow = brute_force_dcr(q_a, ref_a, schema)
    np.testing.assert_allclose(fast, slow, atol=1e-6)


def test_k_nearest_are_sorted_and_self_distance_zero():
    rng = np.random.default_rng(1)
    ref = _small(rng, 40)
    r, _, _, schema = align_tables(ref, ref)
    d, idx = nearest_distances(r, r, schema, k=3, chunk_rows=16)
    assert np.all(d[:, 0] == 0)
    assert np.all(np.diff(d, axis=1) >= 0)
    assert np.all(d >= 0) and np.all(d <= 1)


@pytest.mark.dask
def test_dask_cluster_gives_identical_distances():
    from dask.distributed import LocalCluster

    rng = np.random.default_rng(2)
    ref, q = _small(rng, 80), _small(rng, 60)
    r, qa, _, schema = align_tables(ref, q)
    local = nearest_distances(qa, r, schema, k=2, chunk_rows=16)
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None) as cluster:
        remote = nearest_distances(qa, r, schema, k=2, chunk_rows=16, client=cluster)
    np.testing.assert_array_equal(local[0], remote[0])
    np.testing.assert_array_equal(local[1], remote[1])


def test_shared_scaling_with_reference_outside_the_scaled_range():
    """Scaled by a third table's ranges, the reference itself can leave [0, 1]; missing values in
    several columns on both sides; the fast path must still equal the row-by-row definition."""
    rng = np.random.default_rng(3)
    base, ref, q = _small(rng, 30), _small(rng, 45), _small(rng, 33)
    ref["a"] = ref["a"] * 3                       # wider than the scaling table
    q.loc[rng.random(33) < 0.2, "a"] = np.nan
    ref.loc[rng.random(45) < 0.2, "b"] = np.nan
    base_a, q_a, ref_a, schema = align_tables(base, q, ref)
    enc = DistanceEncoder(schema, base_a, [q_a, ref_a])
    fast = nearest_distances(q_a, ref_a, schema, k=1, chunk_rows=7, encoder=enc)[0][:, 0]
    np.testing.assert_allclose(fast, brute_force_dcr(q_a, ref_a, schema, encoder=enc), atol=1e-6)


def test_scheduler_keyword_is_a_deprecated_alias_of_client():
    rng = np.random.default_rng(4)
    ref, q = _small(rng, 30), _small(rng, 20)
    r, qa, _, schema = align_tables(ref, q)
    with pytest.warns(FutureWarning, match=r"nearest_distances\(scheduler=\.\.\.\).*client="):
        old = nearest_distances(qa, r, schema, k=2, scheduler="local")
    new = nearest_distances(qa, r, schema, k=2, client="local")
    np.testing.assert_array_equal(old[0], new[0])
    with pytest.warns(FutureWarning, match=r"dcr\(scheduler=\.\.\.\)"):
        np.testing.assert_array_equal(dcr(qa, r, schema, scheduler="local"), new[0][:, 0])


def test_many_level_codes_take_the_equality_path_and_equal_brute_force():
    from pharmasynth.evaluation import neighbours

    rng = np.random.default_rng(3)
    codes = np.array([f"C{i:03d}" for i in range(neighbours.ONE_HOT_MAX_LEVELS * 3)])  # well above the one-hot limit
    ref, q = _small(rng, 60), _small(rng, 41)
    ref["icd"], q["icd"] = rng.choice(codes, 60), rng.choice(codes, 41)
    q.loc[3, "icd"] = "NEVER-SEEN"
    q.loc[4, "icd"] = ref.loc[7, "icd"]  # at least one exact code match
    ref_a, q_a, _, schema = align_tables(ref, q, kinds={"icd": "categorical"})
    assert len(DistanceEncoder(schema, ref_a, [q_a]).codes["icd"]) > neighbours.ONE_HOT_MAX_LEVELS
    fast = dcr(q_a, ref_a, schema, chunk_rows=8)
    np.testing.assert_allclose(fast, brute_force_dcr(q_a, ref_a, schema), atol=1e-6)
