"""Analysis: equality with statsmodels, CI coverage against a known effect, PROCOVA variance reduction,
the result's shape, and bad input."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from pharmasynth.errors import DataError, DataWarning, SchemaError
from pharmasynth.trials.analysis import ancova, batched_ols, compare, procova, unadjusted
from pharmasynth.trials.simulate import simulate_trials
from pharmasynth.trials.twin import LinearGaussianTwin


def _trial(n=300, effect=1.5, seed=0, hetero=True):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    arm = rng.integers(0, 2, size=n)
    site = rng.choice(["a", "b", "c"], size=n)
    noise = rng.normal(size=n) * (1 + 0.8 * arm if hetero else 1)  # heteroskedastic on purpose
    y = 2 + effect * arm + 1.5 * x1 - x2 + noise
    score = 2 + 1.5 * x1 - x2 + rng.normal(scale=0.3, size=n)   # an imperfect prognostic score
    return pd.DataFrame({"y": y, "arm": arm, "x1": x1, "x2": x2, "site": site, "score": score})


@pytest.mark.parametrize("hc", ["HC0", "HC1", "HC2", "HC3"])
def test_matches_statsmodels_robust_ols(hc):
    df = _trial()
    X = sm.add_constant(df[["arm", "score", "x1"]].astype(float))
    ref = sm.OLS(df["y"], X).fit(cov_type=hc, use_t=True)
    res = procova(df, "score", "y", "arm", covariates=["x1"], hc=hc)
    assert res.method == "procova" and res.n == len(df)
    np.testing.assert_allclose(res.coefficients["coef"].to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.coefficients["se"].to_numpy(), ref.bse.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.p_value, ref.pvalues["arm"], atol=1e-8)
    ci = ref.conf_int().loc["arm"].to_numpy()
    np.testing.assert_allclose([res.ci_low, res.ci_high], ci, atol=1e-8)


def test_unadjusted_and_ancova_match_statsmodels():
    df = _trial(seed=1)
    ref = sm.OLS(df["y"], sm.add_constant(df[["arm"]].astype(float))).fit(cov_type="HC3", use_t=True)
    u = unadjusted(df, "y", "arm")
    assert abs(u.effect - ref.params["arm"]) < 1e-8 and abs(u.se - ref.bse["arm"]) < 1e-8
    # ANCOVA with a categorical covariate: treatment-coded dummies like patsy's C(site)
    Xa = pd.concat([df[["arm", "x1"]].astype(float),
                    pd.get_dummies(df["site"], prefix="site", drop_first=True, dtype=float)], axis=1)
    ref_a = sm.OLS(df["y"], sm.add_constant(Xa)).fit(cov_type="HC3", use_t=True)
    a = ancova(df, "y", "arm", ["x1", "site"])
    assert a.method == "ancova"
    assert abs(a.effect - ref_a.params["arm"]) < 1e-8 and abs(a.se - ref_a.bse["arm"]) < 1e-8
    assert abs(a.p_value - ref_a.pvalues["arm"]) < 1e-8


def test_batched_equals_one_by_one():
    rng = np.random.default_rng(3)
    X = np.concatenate([np.ones((7, 50, 1)), rng.normal(size=(7, 50, 3))], axis=-1)
    y = rng.normal(size=(7, 50))
    beta, cov, _ = batched_ols(X, y, "HC3")
    _, var1, _ = batched_ols(X, y, "HC3", coef_index=1)
    for b in range(7):
        ref = sm.OLS(y[b], X[b]).fit(cov_type="HC3")
        np.testing.assert_allclose(beta[b], ref.params, atol=1e-10)
        np.testing.assert_allclose(cov[b], ref.cov_params(), atol=1e-10)
        np.testing.assert_allclose(var1[b], ref.cov_params()[1, 1], atol=1e-12)


def test_procova_with_a_twin_object_and_rho():
    df = _trial(n=2000, seed=4, hetero=False)
    twin = LinearGaussianTwin(["x1", "x2"], [1.5, -1.0], intercept=2.0, sd=1.0, outcome="y")
    res = procova(df, twin, "y", "arm")
    direct = procova(df, twin.predict(df)["y"], "y", "arm")
    assert res.effect == pytest.approx(direct.effect, abs=1e-12)
    # true rho of a perfect mean prediction: sqrt(var(signal) / (var(signal) + 1)) with var(signal) = 3.25
    assert res.extra["rho"] == pytest.approx(np.sqrt(3.25 / 4.25), abs=0.03)
    assert "procova" in str(res) and "rho" in str(res)
    table = compare(unadjusted(df, "y", "arm"), res)
    assert list(table.index) == ["unadjusted", "procova"]


def test_ci_covers_known_effect_at_nominal_rate():
    """Over 4000 simulated trials with effect 0.7, every design's 95% CI covers 0.7 at 95% +- 3 MC SE."""
    rng = np.random.default_rng(5)
    pool = pd.DataFrame({"x": rng.normal(size=400)})
    twin = LinearGaussianTwin(["x"], [1.0], sd=1.0)
    res = simulate_trials(twin, pool, n_per_arm=40, effect=0.7, n_trials=4000, random_state=1)
    mc = np.sqrt(0.95 * 0.05 / 4000)
    for d, row in res.summary().iterrows():
        assert abs(row["coverage"] - 0.95) < 3 * mc, (d, row["coverage"])
        assert abs(row["bias"]) < 3 * row["bias_mc_se"] + 1e-12, d


def test_procova_se_shrinks_by_sqrt_one_minus_rho_squared():
    """Known rho: y = s + e with var(s) = rho^2/(1-rho^2) so that corr(s, y) = rho, and var(e) = 1."""
    rho = 0.8
    rng = np.random.default_rng(6)
    pool = pd.DataFrame({"s": rng.normal(size=5000) * np.sqrt(rho**2 / (1 - rho**2))})
    twin = LinearGaussianTwin(["s"], [1.0], sd=1.0)
    res = simulate_trials(twin, pool, n_per_arm=200, n_trials=1000, designs=("unadjusted", "procova"),
                          random_state=2)
    ratio = res.summary().loc["procova", "mean_se"] / res.summary().loc["unadjusted", "mean_se"]
    assert ratio == pytest.approx(np.sqrt(1 - rho**2), rel=0.03)
    emp = res.summary().loc["procova", "empirical_sd"] / res.summary().loc["unadjusted", "empirical_sd"]
    assert emp == pytest.approx(np.sqrt(1 - rho**2), rel=0.08)


def test_result_shape_summary_method_and_json(tmp_path):
    df = _trial(seed=9)
    res = unadjusted(df, "y", "arm")
    summary = res.summary()
    assert isinstance(summary, pd.DataFrame) and list(summary.index) == ["unadjusted"]
    assert list(summary.columns) == ["effect", "se", "ci_low", "ci_high", "p_value", "n"]
    assert summary.loc["unadjusted", "effect"] == res.effect
    import json

    text = res.to_json(tmp_path / "a.json")
    assert json.loads(text) == json.loads((tmp_path / "a.json").read_text())
    assert json.loads(text)["method"] == "unadjusted" and json.loads(text)["robust_se"] == "HC3"
    paths = res.write(tmp_path / "out")
    assert json.loads(paths["json"].read_text()) == json.loads(text)
    assert list(pd.read_csv(paths["coefficients"])["term"]) == ["const", "arm"]


def test_bad_input():
    df = _trial(n=50)
    with pytest.raises(DataError, match="one arm|2"):
        unadjusted(df.assign(arm=1), "y", "arm")
    with pytest.raises(DataError, match="treated="):
        unadjusted(df.assign(arm=df["arm"].map({0: "pbo", 1: "drug"})), "y", "arm")
    r = unadjusted(df.assign(arm=df["arm"].map({0: "pbo", 1: "drug"})), "y", "arm", treated="drug")
    assert r.effect == pytest.approx(unadjusted(df, "y", "arm").effect)
    with pytest.raises(DataError, match="unknown arm"):
        bad = df.assign(arm=df["arm"].map({0: "pbo", 1: "drug"}))
        bad.loc[3, "arm"] = "placebo"
        unadjusted(bad, "y", "arm", treated="drug", control="pbo")
    with pytest.raises(SchemaError, match="numeric; row 2"):
        unadjusted(df.assign(y=df["y"].astype(object).where(df.index != 2, "high")), "y", "arm")
    with pytest.raises(SchemaError, match="not in the trial table"):
        ancova(df, "y", "arm", ["nope"])
    with pytest.warns(DataWarning, match="1 row"):
        r = unadjusted(df.assign(y=df["y"].where(df.index != 5)), "y", "arm")
    assert r.n == len(df) - 1
    with pytest.raises(DataError, match="align"):
        procova(df, np.zeros(3), "y", "arm")
