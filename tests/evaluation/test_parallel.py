import numpy as np
import pytest

from pharmasynth._util.random import spawn_seeds
from pharmasynth._util.parallel import parallel_map, resolve_client


def _draw(seed):
    return np.random.default_rng(seed).normal(size=3).sum()


def test_in_process_keeps_order():
    assert parallel_map(lambda x: x * x, range(6)) == [0, 1, 4, 9, 16, 25]


def test_env_var_and_local_words(monkeypatch):
    monkeypatch.delenv("PHARMASYNTH_SCHEDULER", raising=False)
    assert resolve_client(None) is None
    assert resolve_client("local") is None
    monkeypatch.setenv("PHARMASYNTH_SCHEDULER", "tcp://127.0.0.1:1")
    assert resolve_client(None) == "tcp://127.0.0.1:1"


def test_bad_scheduler_type():
    with pytest.raises(TypeError, match="scheduler"):
        parallel_map(_draw, [1], client=3.5)


@pytest.mark.dask
def test_local_cluster_by_address_matches_in_process(tables):
    """One LocalCluster (2 worker processes): a seeded function and the package's own chunked
    nearest-neighbour fan-out give exactly the in-process results."""
    from dask.distributed import LocalCluster

    from pharmasynth.evaluation.neighbours import nearest_distances
    from pharmasynth.evaluation.tabular import align_tables

    # pytest imports this file under --import-mode=importlib, so worker processes cannot import
    # it by name (and would hang on it): a nested function makes Dask ship it by value, while
    # the package's own functions travel by reference, as they do for users.
    def draw(seed):
        return float(np.random.default_rng(seed).normal(size=3).sum())

    seeds = spawn_seeds(0, 12)
    local = parallel_map(draw, seeds)
    real, synthetic, _ = tables
    r, s, _, schema = align_tables(real, synthetic)
    d_local, i_local = nearest_distances(s, r, schema, k=2, chunk_rows=300)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        remote = parallel_map(draw, seeds, client=cluster.scheduler_address)
        d_remote, i_remote = nearest_distances(s, r, schema, k=2, chunk_rows=300, client=cluster)
    assert remote == local
    np.testing.assert_array_equal(d_remote, d_local)
    np.testing.assert_array_equal(i_remote, i_local)


def test_scheduler_keyword_is_a_deprecated_alias_of_client():
    with pytest.warns(FutureWarning, match="client="):
        assert parallel_map(_draw, [1, 2], scheduler="local") == parallel_map(_draw, [1, 2])
