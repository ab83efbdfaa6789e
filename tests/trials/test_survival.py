"""Time to event: parameter recovery on exponential data with a known hazard ratio, and agreement with lifelines."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import restricted_mean_survival_time

from pharmasynth.errors import DataError
from pharmasynth.trials.survival import cox, cox_with_prognostic_score, km_curves, logrank, rmst_difference


def _exp_trial(n=3000, hr=0.6, beta_score=0.8, seed=0):
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    score = rng.normal(size=n)
    rate = 0.1 * np.exp(np.log(hr) * arm + beta_score * score)
    t = rng.exponential(1 / rate)
    c = rng.uniform(0, 20, n)  # independent censoring
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm, "score": score})


def test_cox_recovers_hazard_ratio_and_matches_lifelines():
    df = _exp_trial()
    out = cox(df, "time", "event", "arm", score="score").terms
    log_hr, se = out.loc["arm", "log_hr"], out.loc["arm", "se"]
    assert abs(log_hr - np.log(0.6)) < 3 * se
    assert abs(out.loc["prognostic_score", "log_hr"] - 0.8) < 3 * out.loc["prognostic_score", "se"]
    assert out.loc["arm", "hr_ci_low"] < 0.6 < out.loc["arm", "hr_ci_high"]
    ref = CoxPHFitter().fit(df[["time", "event", "arm", "score"]], "time", "event")
    assert log_hr == pytest.approx(ref.params_["arm"], abs=1e-8)
    # ignoring the score attenuates the HR toward 1 (non-collapsibility): the score matters
    with pytest.warns(FutureWarning, match="cox_with_prognostic_score is deprecated"):
        plain = cox_with_prognostic_score(df, "time", "event", "arm")   # the old name still works
    assert abs(plain.loc["arm", "log_hr"]) < abs(log_hr)


def test_logrank_and_km_match_lifelines():
    df = _exp_trial(n=800, seed=1)
    lr = logrank(df, "time", "event", "arm")
    a, b = df.arm == 0, df.arm == 1
    ref = logrank_test(df.time[a], df.time[b], df.event[a], df.event[b])
    assert lr.loc[0, "statistic"] == pytest.approx(ref.test_statistic, abs=1e-10)
    assert lr.loc[0, "p_value"] < 0.01  # HR 0.6 on 800 patients is detected
    km = km_curves(df, "time", "event", "arm")
    kmf = KaplanMeierFitter().fit(df.time[a], df.event[a])
    k0 = km[km.group == 0]
    np.testing.assert_allclose(k0["survival"].to_numpy(), kmf.survival_function_.iloc[:, 0].to_numpy())
    assert (k0["ci_low"] <= k0["survival"] + 1e-12).all() and (k0["survival"] <= k0["ci_high"] + 1e-12).all()


def test_rmst_difference_recovers_truth():
    """Exponential(rate): RMST(tau) = (1 - exp(-rate tau)) / rate."""
    rng = np.random.default_rng(2)
    n = 4000
    arm = rng.integers(0, 2, n)
    rate = np.where(arm == 1, 0.05, 0.1)
    t = rng.exponential(1 / rate)
    c = rng.uniform(0, 30, n)
    df = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})
    tau = 10.0
    truth = (1 - np.exp(-0.05 * tau)) / 0.05 - (1 - np.exp(-0.1 * tau)) / 0.1
    out = rmst_difference(df, "time", "event", "arm", tau=tau)
    assert out.loc[0, "ci_low"] < truth < out.loc[0, "ci_high"]
    kmf = KaplanMeierFitter().fit(df.time[arm == 1], df.event[arm == 1])
    assert out.loc[0, "rmst_treated"] == pytest.approx(restricted_mean_survival_time(kmf, t=tau), abs=1e-10)


def test_bad_survival_input():
    df = _exp_trial(n=50)
    with pytest.raises(DataError, match="negative at row 3"):
        logrank(df.assign(time=df.time.where(df.index != 3, -1.0)), "time", "event", "arm")
    with pytest.raises(DataError, match="missing at row 4"):
        logrank(df.assign(time=df.time.where(df.index != 4)), "time", "event", "arm")
    with pytest.raises(DataError, match="0 \\(censored\\) or 1"):
        logrank(df.assign(event=2), "time", "event", "arm")


def test_rmst_ci_covers_at_nominal_rate():
    """200 replicate trials (exponential, known RMST difference): the 95% CI covers ~95% of the time."""
    rng = np.random.default_rng(8)
    tau, hits, ses, ests = 8.0, 0, [], []
    truth = (1 - np.exp(-0.07 * tau)) / 0.07 - (1 - np.exp(-0.1 * tau)) / 0.1
    for _ in range(200):
        n = 300
        arm = rng.integers(0, 2, n)
        t = rng.exponential(1 / np.where(arm == 1, 0.07, 0.1))
        c = rng.uniform(2, 25, n)
        df = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})
        r = rmst_difference(df, "time", "event", "arm", tau=tau).iloc[0]
        hits += r["ci_low"] <= truth <= r["ci_high"]
        ses.append(r["se"])
        ests.append(r["difference"])
    assert abs(hits / 200 - 0.95) <= 3 * np.sqrt(0.95 * 0.05 / 200)
    assert np.mean(ses) == pytest.approx(np.std(ests, ddof=1), rel=0.15)
