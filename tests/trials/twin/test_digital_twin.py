"""DigitalTwin against known truth: simulate from a known linear-Gaussian visit model and a known
Weibull event model, then check parameter recovery, interval coverage, missing visits, warnings."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataError, ExtrapolationWarning, NotFittedError, SchemaError
from pharmasynth.trials import DigitalTwin

VISITS = ["y1", "y2", "y3"]
INTERCEPT = np.array([10.0, 5.0, 0.0])
COEF = {"age": np.array([0.5, 0.8, 1.0]), "score": np.array([-2.0, -1.0, 0.5]),
        "site=b": np.array([3.0, 1.0, -2.0]), "site=c": np.array([-1.0, 2.0, 4.0])}
SIGMA = np.array([[4.0, 3.0, 2.0], [3.0, 9.0, 6.0], [2.0, 6.0, 16.0]])
W_INTERCEPT, W_AGE, W_SCORE, W_SHAPE = 6.0, -0.02, 0.3, 1.5


def simulate(n, rng, missing=True):
    age = rng.normal(50, 10, n)
    score = rng.normal(0, 1, n)
    site = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    mean = (INTERCEPT + np.outer(age, COEF["age"]) + np.outer(score, COEF["score"])
            + np.outer(site == "b", COEF["site=b"]) + np.outer(site == "c", COEF["site=c"]))
    y = mean + rng.multivariate_normal(np.zeros(3), SIGMA, n)
    df = pd.DataFrame({"pid": np.arange(n), "age": age, "score": score, "site": site})
    for j, v in enumerate(VISITS):
        df[v] = y[:, j]
    if missing:
        # missing at random: y3 is more often missing when the observed y1 is high (drop-out)
        p = 1 / (1 + np.exp(-(y[:, 0] - np.median(y[:, 0])) / 2))
        df.loc[rng.random(n) < 0.6 * p, "y3"] = np.nan
        df.loc[rng.random(n) < 0.1, "y2"] = np.nan
    lam = np.exp(W_INTERCEPT + W_AGE * age + W_SCORE * score)
    t = lam * (-np.log(rng.random(n))) ** (1 / W_SHAPE)
    c = rng.uniform(0, 2 * np.median(t), n)
    df["time"], df["event"] = np.minimum(t, c), (t <= c).astype(int)
    return df


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(1)
    train = simulate(4000, rng)
    twin = DigitalTwin(["age", "score", "site"], VISITS, time="time", event="event", id="pid").fit(train)
    return twin, train


def test_visit_model_parameters_recovered_with_missing_visits(fitted):
    twin, train = fitted
    assert twin.n_train_ == len(train)  # nobody dropped
    assert twin.n_missing_["y3"] > 800 and twin.n_missing_["y2"] > 300
    coef = twin.coef_
    # tolerance: 4.5 standard errors, sigma_v / (sd(x) sqrt(n_effective)) with n_effective ~ 0.6 n
    se_unit = np.sqrt(np.diag(SIGMA)) / np.sqrt(0.6 * len(train))
    # the intercept sits 50 age units from the data's centre: its SE is ~ 50/10 = 5 slope SEs
    assert np.all(np.abs(coef.loc["intercept"] - INTERCEPT) <= 4.5 * se_unit * 5 * 1.2)
    for term, truth in COEF.items():
        sd_x = {"age": 10.0, "score": 1.0}.get(term, 0.35)
        assert np.all(np.abs(coef.loc[term] - truth) <= 4.5 * se_unit / sd_x), (term, coef.loc[term].to_numpy())
    np.testing.assert_allclose(twin.residual_cov_, SIGMA, rtol=0.1, atol=0.3)


def test_complete_case_would_be_biased_em_is_not(fitted):
    """The drop-out depends on y1, so complete cases misestimate y3's intercept; EM does not."""
    twin, train = fitted
    cc = train.dropna(subset=VISITS)
    X = np.column_stack([np.ones(len(cc)), cc.age, cc.score, cc.site == "b", cc.site == "c"]).astype(float)
    b_cc = np.linalg.lstsq(X, cc["y3"].to_numpy(), rcond=None)[0]
    truth_at_mean = INTERCEPT[2] + 50 * COEF["age"][2]
    em_at_mean = twin.coef_.loc["intercept", "y3"] + 50 * twin.coef_.loc["age", "y3"]
    cc_at_mean = b_cc[0] + 50 * b_cc[1]
    assert abs(em_at_mean - truth_at_mean) < 0.3
    assert abs(cc_at_mean - truth_at_mean) > 2 * abs(em_at_mean - truth_at_mean)


def test_weibull_event_parameters_recovered(fitted):
    twin, _ = fitted
    b = twin.event_coef_
    assert abs(b["age"] - W_AGE) < 0.005
    assert abs(b["score"] - W_SCORE) < 0.05
    assert abs(b["intercept"] - W_INTERCEPT) < 0.3
    assert abs(twin.weibull_shape_ - W_SHAPE) < 0.1


def test_intervals_cover_at_nominal_rate(fitted):
    twin, _ = fitted
    fresh = simulate(5000, np.random.default_rng(2), missing=False)
    for level, tol in ((0.8, 0.03), (0.95, 0.015)):
        iv = twin.predict_interval(fresh, level)
        for v in VISITS:
            cover = ((fresh[v] >= iv[f"{v}_lower"]) & (fresh[v] <= iv[f"{v}_upper"])).mean()
            assert abs(cover - level) < tol, (v, level, cover)


def test_sample_keeps_visit_dependence_and_censoring(fitted):
    twin, _ = fitted
    fresh = simulate(300, np.random.default_rng(3), missing=False)
    s = twin.sample(fresh, n_draws=40, random_state=5)
    assert list(s.columns) == ["id", "draw", *VISITS, "time", "event"]
    assert len(s) == 300 * 40 and s["id"].iloc[0] == fresh["pid"].iloc[0]
    resid = s[VISITS].to_numpy() - np.repeat(twin.predict(fresh).to_numpy(), 40, axis=0)
    np.testing.assert_allclose(np.cov(resid.T), SIGMA, rtol=0.12, atol=0.4)
    assert 0.2 < s["event"].mean() < 0.9 and (s["time"] > 0).all()
    # same seed, same draws; a different seed differs
    assert s.equals(twin.sample(fresh, n_draws=40, random_state=5))
    assert not s.equals(twin.sample(fresh, n_draws=40, random_state=6))


def test_survival_and_risk_score_consistent(fitted):
    twin, _ = fitted
    fresh = simulate(200, np.random.default_rng(4), missing=False)
    surv = twin.predict_survival(fresh, [100.0, 400.0, 1600.0])
    assert surv.shape == (200, 3) and (np.diff(surv.to_numpy(), axis=1) <= 0).all()
    lam_true = np.exp(W_INTERCEPT + W_AGE * fresh.age + W_SCORE * fresh.score)
    truth = np.exp(-(400.0 / lam_true) ** W_SHAPE)
    assert np.mean(np.abs(surv[400.0] - truth)) < 0.02
    assert np.max(np.abs(surv[400.0] - truth)) < 0.1
    risk = twin.risk_score(fresh)
    assert np.corrcoef(risk, -np.log(lam_true))[0, 1] > 0.99


def test_save_load_round_trip(fitted, tmp_path):
    twin, _ = fitted
    fresh = simulate(50, np.random.default_rng(5), missing=False)
    twin.save(tmp_path / "twin")
    back = DigitalTwin.load(tmp_path / "twin")
    pd.testing.assert_frame_equal(back.predict(fresh), twin.predict(fresh))
    assert back.sample(fresh, 3, random_state=1).equals(twin.sample(fresh, 3, random_state=1))
    # no patient record in the folder: the config holds summaries, the weights are parameter arrays
    text = (tmp_path / "twin" / "config.json").read_text()
    assert f"{fresh.age.iloc[0]:.6f}"[:8] not in text


def test_extrapolation_warnings_name_column_and_row(fitted):
    twin, _ = fitted
    fresh = simulate(20, np.random.default_rng(6), missing=False)
    fresh.loc[3, "age"] = 500.0
    with pytest.warns(ExtrapolationWarning, match=r"'age'.*row 3"):
        twin.predict(fresh)
    fresh = simulate(20, np.random.default_rng(6), missing=False)
    fresh.loc[7, "site"] = "zz"
    with pytest.warns(ExtrapolationWarning, match=r"'site'.*'zz'.*row 7"):
        twin.predict(fresh)


def test_bad_input(fitted):
    twin, train = fitted
    with pytest.raises(NotFittedError):
        DigitalTwin(["age"], ["y1"]).predict(train)
    with pytest.raises(SchemaError, match="score"):
        twin.predict(train.drop(columns="score"))
    bad = train.copy()
    bad.loc[5, "age"] = np.nan
    with pytest.raises(DataError, match="row 5"):
        twin.predict(bad)
    bad = train.copy().astype({"y1": object})
    bad.loc[9, "y1"] = "high"
    with pytest.raises(SchemaError, match="'y1'.*row 9.*'high'"):
        DigitalTwin(["age"], VISITS).fit(bad)
    bad = train.copy()
    bad.loc[2, "time"] = -1.0
    with pytest.raises(DataError, match="negative"):
        DigitalTwin(["age"], VISITS, time="time", event="event").fit(bad)
    with pytest.raises(ValueError, match="model"):
        DigitalTwin(["age"], VISITS, model="forest").fit(train)


def test_neural_twin_beats_mean_only_predictor():
    rng = np.random.default_rng(7)
    train, test = simulate(1500, rng), simulate(500, rng, missing=False)
    twin = DigitalTwin(["age", "score", "site"], VISITS, time="time", event="event", model="neural",
                       epochs=300, random_state=0).fit(train)
    pred = twin.predict(test)
    for v in VISITS:
        mse = np.mean((pred[v] - test[v]) ** 2)
        mse_mean_only = np.mean((train[v].mean() - test[v]) ** 2)
        assert mse < 0.8 * mse_mean_only, (v, mse, mse_mean_only)
    iv = twin.predict_interval(test, 0.8)
    cover = np.mean([((test[v] >= iv[f"{v}_lower"]) & (test[v] <= iv[f"{v}_upper"])).mean() for v in VISITS])
    assert 0.7 < cover < 0.9
    risk = twin.risk_score(test)
    lam_true = np.exp(W_INTERCEPT + W_AGE * test.age + W_SCORE * test.score)
    assert np.corrcoef(risk, -np.log(lam_true))[0, 1] > 0.8
    s = twin.sample(test.iloc[:10], n_draws=2)
    assert len(s) == 20 and np.isfinite(s[VISITS].to_numpy()).all()


def test_sample_continues_the_twin_stream(fitted):
    """random_state=None continues rng_ (started at random_state by fit); an explicit one leaves rng_ alone."""
    twin, train = fitted
    fresh = simulate(30, np.random.default_rng(8), missing=False)
    twin._start_sampling()  # the fixture is shared: start the stream as fit left it
    first = twin.sample(fresh, n_draws=2)
    second = twin.sample(fresh, n_draws=2)
    assert not first.equals(second)
    # the first draw after fit is what the twin's random_state gives (the numbers of earlier releases)
    assert first.equals(twin.sample(fresh, n_draws=2, random_state=twin.random_state))
    twin._start_sampling()
    twin.sample(fresh, n_draws=2)
    twin.sample(fresh, n_draws=2, random_state=123)  # an explicit seed does not advance rng_
    assert twin.sample(fresh, n_draws=2).equals(second)
    refit = DigitalTwin(["age", "score", "site"], VISITS, time="time", event="event", id="pid").fit(train)
    assert refit.sample(fresh, n_draws=2).equals(first)


def test_summary_is_a_frame_and_describe_keeps_the_details(fitted):
    twin, train = fitted
    s = twin.summary()
    assert isinstance(s, pd.DataFrame) and list(s.index) == [*VISITS, "time"]
    assert list(s["kind"]) == ["visit"] * 3 + ["event"]
    assert s.loc["y3", "n_missing"] == twin.n_missing_["y3"]
    assert s.loc["y3", "n_observed"] + s.loc["y3", "n_missing"] == len(train)
    np.testing.assert_allclose(s.loc[VISITS, "residual_sd"], np.sqrt(np.diag(twin.residual_cov_)))
    assert s.loc["time", "weibull_shape"] == twin.weibull_shape_
    d = twin.describe()
    assert d["n_missing_per_visit"] == twin.n_missing_ and d["em_iterations"] == twin.em_iterations_
    assert d["design_terms"] == ["age", "score", "site=b", "site=c"]


def test_load_twin_reads_either_kind(fitted, tmp_path):
    from pharmasynth.trials import LinearGaussianTwin, load_twin

    twin, _ = fitted
    twin.save(tmp_path / "twin")
    assert isinstance(load_twin(tmp_path / "twin"), DigitalTwin)
    LinearGaussianTwin(["age"], [1.0]).save(tmp_path / "known")
    assert isinstance(load_twin(tmp_path / "known"), LinearGaussianTwin)


def test_unreliable_weibull_fit_warns_what_to_try():
    """A covariate twice (collinear design): lifelines approximates its Hessian; the twin says so."""
    from pharmasynth.errors import DataWarning

    rng = np.random.default_rng(9)
    df = simulate(300, rng, missing=False).assign(age_again=lambda d: d["age"])
    with pytest.warns(DataWarning, match=r"Weibull event model.*unreliable.*event_penalizer"):
        DigitalTwin(["age", "age_again"], [], time="time", event="event").fit(df)
