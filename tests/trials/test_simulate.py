"""Trial simulation: type I error under a correct twin, power, equality with a per-trial statsmodels loop,
Dask identical to in-process, and the synthetic-control design's inflation under a biased twin."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from pharmasynth.trials.simulate import analyse_stack, draw_trials, power_curve, simulate_trials
from pharmasynth.trials.twin import LinearGaussianTwin


@pytest.fixture(scope="module")
def twin_pool():
    rng = np.random.default_rng(0)
    pool = pd.DataFrame({"x1": rng.normal(size=600), "x2": rng.gamma(2.0, size=600)})
    return LinearGaussianTwin(["x1", "x2"], [3.0, -1.0], intercept=10.0, sd=2.0, outcome="cd4"), pool


def test_type_one_error_within_two_mc_se(twin_pool):
    twin, pool = twin_pool
    res = simulate_trials(twin, pool, n_per_arm=60, effect=0.0, n_trials=8000, random_state=11)
    mc = np.sqrt(0.05 * 0.95 / 8000)
    for design, row in res.summary().iterrows():
        assert abs(row["rejection_rate"] - 0.05) <= 2 * mc, (design, row["rejection_rate"])
        assert row["mc_se"] == pytest.approx(np.sqrt(row["rejection_rate"] * (1 - row["rejection_rate"]) / 8000))
    assert res.type_one_error_ok().all()
    assert res.summary().loc["procova", "mean_se"] < 0.6 * res.summary().loc["unadjusted", "mean_se"]
    assert res.summary().loc["synthetic_control", "n_enrolled"] == 90


def test_power_increases_with_effect_and_n(twin_pool):
    twin, pool = twin_pool
    pc = power_curve(twin, pool, effects=[0.0, 0.5, 1.0], n_per_arm=[30, 80], n_trials=600,
                     designs=("unadjusted", "procova"), random_state=3)
    for (n, d), g in pc.groupby(["n_per_arm", "design"]):
        assert np.all(np.diff(g.sort_values("effect")["rejection_rate"].to_numpy()) > 0), (n, d)
    at1 = pc[pc.effect == 1.0].set_index(["n_per_arm", "design"])["rejection_rate"]
    assert at1[(80, "procova")] > at1[(30, "procova")]
    assert at1[(30, "procova")] > at1[(30, "unadjusted")]


def test_vectorised_equals_per_trial_statsmodels(twin_pool):
    twin, pool = twin_pool
    stack = draw_trials(twin, pool, n_trials=5, n_per_arm=25, effect=0.4, random_state=7)
    batched = analyse_stack(stack)
    for design in ("unadjusted", "procova", "synthetic_control"):
        X, y = stack.design_arrays(design)
        for b in range(5):
            ref = sm.OLS(y[b], X[b]).fit(cov_type="HC3", use_t=True)
            assert batched[design]["estimate"][b] == pytest.approx(ref.params[1], abs=1e-8)
            assert batched[design]["se"][b] == pytest.approx(ref.bse[1], abs=1e-8)
            assert batched[design]["p_value"][b] == pytest.approx(ref.pvalues[1], abs=1e-8)
            assert batched[design]["ci_low"][b] == pytest.approx(ref.conf_int()[1, 0], abs=1e-8)


def test_every_patient_gets_an_independent_draw(twin_pool):
    """Residuals around the twin's mean have the twin's sd and no duplicates although pool rows repeat."""
    twin, pool = twin_pool
    stack = draw_trials(twin, pool, n_trials=200, n_per_arm=50, random_state=1)
    resid = (stack.y - stack.score).reshape(-1)
    assert np.unique(resid).size == resid.size
    assert resid.std() == pytest.approx(2.0, rel=0.02)


def test_reproducible_and_chunking_independent_of_scheduler(twin_pool):
    twin, pool = twin_pool
    a = simulate_trials(twin, pool, n_per_arm=20, n_trials=300, chunk_trials=100, random_state=5)
    b = simulate_trials(twin, pool, n_per_arm=20, n_trials=300, chunk_trials=100, random_state=5)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


def test_biased_twin_inflates_synthetic_control_type_one_error(twin_pool):
    """Drift of half an SD in the enrolled population: randomised designs stay valid, synthetic control does not."""
    twin, pool = twin_pool
    res = simulate_trials(twin, pool, n_per_arm=60, n_trials=2000, drift=1.0, random_state=4)
    mc = np.sqrt(0.05 * 0.95 / 2000)
    assert abs(res.summary().loc["unadjusted", "rejection_rate"] - 0.05) <= 3 * mc
    assert abs(res.summary().loc["procova", "rejection_rate"] - 0.05) <= 3 * mc
    assert res.summary().loc["synthetic_control", "rejection_rate"] > 0.2
    assert res.summary().loc["synthetic_control", "bias"] > 0.3


def test_bad_options(twin_pool):
    twin, pool = twin_pool
    with pytest.raises(ValueError, match="design"):
        simulate_trials(twin, pool, designs=("bayesian",), n_trials=10)
    with pytest.raises(Exception, match="visits"):
        simulate_trials(twin, pool, outcome="nope", n_trials=10)


@pytest.mark.dask
def test_dask_local_cluster_identical(twin_pool):
    from dask.distributed import LocalCluster

    twin, pool = twin_pool
    local = simulate_trials(twin, pool, n_per_arm=20, n_trials=400, chunk_trials=100, random_state=9)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = simulate_trials(twin, pool, n_per_arm=20, n_trials=400, chunk_trials=100, random_state=9,
                                 client=cluster)
    pd.testing.assert_frame_equal(local.summary(), remote.summary())
    pd.testing.assert_frame_equal(local.estimates, remote.estimates)


def test_result_shape(twin_pool, tmp_path):
    import json

    twin, pool = twin_pool
    res = simulate_trials(twin, pool, n_per_arm=20, n_trials=200, random_state=2)
    assert res.summary() is res.designs and list(res.designs.index) == ["unadjusted", "procova", "synthetic_control"]
    doc = json.loads(res.to_json(tmp_path / "sim.json"))
    assert doc["settings"]["n_trials"] == 200 and [d["design"] for d in doc["designs"]] == list(res.designs.index)
    assert "200 simulated trials" in str(res)
    paths = res.write(tmp_path / "out")
    assert json.loads(paths["json"].read_text()) == doc
    assert len(pd.read_csv(paths["estimates"])) == 3 * 200


def test_scheduler_keyword_is_a_deprecated_alias_of_client(twin_pool):
    twin, pool = twin_pool
    kw = dict(n_per_arm=20, n_trials=100, random_state=5)
    plain = simulate_trials(twin, pool, **kw)
    with pytest.warns(FutureWarning, match=r"simulate_trials\(scheduler=\.\.\.\).*client="):
        old = simulate_trials(twin, pool, scheduler=None, **kw)
    pd.testing.assert_frame_equal(plain.summary(), old.summary())
    with pytest.warns(FutureWarning, match=r"power_curve\(scheduler=\.\.\.\).*client="):
        pc = power_curve(twin, pool, effects=[0.0], n_per_arm=[20], n_trials=50, scheduler=None)
    pd.testing.assert_frame_equal(pc, power_curve(twin, pool, effects=[0.0], n_per_arm=[20], n_trials=50))
