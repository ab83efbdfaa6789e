"""Cox (Efron/Breslow, strata, robust), log-rank (plain and stratified), KM, RMST and the PH test
against lifelines, statsmodels and R's survival (values stored by reference/survival_r.R), on a
data set from another source than the demo's (lifelines' Rossi recidivism data)."""

import json
from pathlib import Path

import numpy as np
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.datasets import load_rossi
from lifelines.statistics import logrank_test, proportional_hazard_test
from lifelines.utils import restricted_mean_survival_time

from pharmasynth.trials.survival import (cox, km_curves, km_pseudo_values, logrank_rows, rmst_difference,
                                         survival_at_tau_rows)

R = json.loads((Path(__file__).parent / "reference" / "survival_r.json").read_text())


@pytest.fixture(scope="module")
def rossi():
    return load_rossi()


def test_cox_efron_adjusted_equals_lifelines(rossi):
    res = cox(rossi, "week", "arrest", "fin", covariates=["age", "prio"], alpha=0.1)
    ref = CoxPHFitter(alpha=0.1).fit(rossi[["week", "arrest", "fin", "age", "prio"]], "week", "arrest")
    np.testing.assert_allclose(res.terms["log_hr"], ref.params_[res.terms.index], atol=1e-8)
    np.testing.assert_allclose(res.terms["se"], ref.standard_errors_[res.terms.index], atol=1e-8)
    lo = ref.summary.loc["fin", "exp(coef) lower 90%"]
    assert res.row["ci_low"] == pytest.approx(lo, rel=1e-8)            # the interval follows alpha
    assert res.row["method"] == "cox_adjusted" and res.row["alpha"] == 0.1
    assert res.row["hr"] == pytest.approx(np.exp(ref.params_["fin"]), rel=1e-10)


def test_cox_breslow_robust_and_strata_equal_r(rossi):
    br = cox(rossi, "week", "arrest", "fin", covariates=["age", "prio"], ties="breslow")
    np.testing.assert_allclose(br.terms["log_hr"], R["breslow_coef"], rtol=1e-5)
    np.testing.assert_allclose(br.terms["se"], R["breslow_se"], rtol=1e-4)
    rob = cox(rossi, "week", "arrest", "fin", covariates=["age", "prio"], robust=True)
    np.testing.assert_allclose(rob.terms["log_hr"], R["efron_robust_coef"], rtol=1e-5)
    # with heavily tied times (integer weeks) lifelines' sandwich ignores the Efron correction of
    # the score residuals: within 3% of R; without ties it equals R's
    np.testing.assert_allclose(rob.terms["se"], R["efron_robust_se"], rtol=3e-2)
    jit = rossi.assign(week_jit=rossi.week + np.arange(len(rossi)) / 1000.0)
    rob = cox(jit, "week_jit", "arrest", "fin", covariates=["age", "prio"], robust=True)
    np.testing.assert_allclose(rob.terms["log_hr"], R["noties_robust_coef"], rtol=1e-5)
    np.testing.assert_allclose(rob.terms["se"], R["noties_robust_se"], rtol=1e-5)
    st = cox(rossi, "week", "arrest", "fin", covariates=["age"], strata=["wexp"])
    np.testing.assert_allclose(st.terms["log_hr"], R["strata_coef"], rtol=1e-5)
    np.testing.assert_allclose(st.terms["se"], R["strata_se"], rtol=1e-4)
    assert st.row["method"] == "cox_stratified" and st.row["strata"] == ["wexp"]
    ref = CoxPHFitter().fit(rossi[["week", "arrest", "fin", "age", "wexp"]], "week", "arrest", strata=["wexp"])
    assert st.row["log_hr"] == pytest.approx(ref.params_["fin"], abs=1e-8)
    from statsmodels.duration.hazard_regression import PHReg   # a third implementation agrees

    sm = PHReg(rossi.week, rossi[["fin", "age"]], status=rossi.arrest, strata=rossi.wexp, ties="efron").fit()
    np.testing.assert_allclose(st.terms["log_hr"], sm.params, rtol=1e-5)
    br_st = cox(rossi, "week", "arrest", "fin", covariates=["age"], strata=["wexp"], ties="breslow")
    sm_b = PHReg(rossi.week, rossi[["fin", "age"]], status=rossi.arrest, strata=rossi.wexp, ties="breslow").fit()
    np.testing.assert_allclose(br_st.terms["se"], sm_b.bse, rtol=1e-8)
    assert br_st.row["method"] == "cox_stratified" and "Breslow" in br_st.row["notes"]


def test_ph_test_per_term_equals_lifelines_and_global_reduces_to_it(rossi):
    res = cox(rossi, "week", "arrest", "fin", covariates=["age", "prio"])
    frame = rossi[["week", "arrest", "fin", "age", "prio"]].rename(columns={"week": "__time__", "arrest": "__event__"})
    cph = CoxPHFitter().fit(frame, "__time__", "__event__")
    ref = proportional_hazard_test(cph, frame, time_transform="rank").summary
    for term in ("fin", "age", "prio"):
        assert res.ph_test.loc[term, "statistic"] == pytest.approx(ref.loc[term, "test_statistic"], rel=1e-8)
    assert res.ph_test.loc["GLOBAL", "df"] == 3
    # with one term the global test is that term's test
    one = cox(rossi, "week", "arrest", "fin")
    assert one.ph_test.loc["GLOBAL", "statistic"] == pytest.approx(one.ph_test.loc["fin", "statistic"], rel=1e-8)
    assert (res.ph_test["p_value"].between(0, 1)).all()


def test_logrank_plain_and_stratified(rossi):
    plain = logrank_rows(rossi, "week", "arrest", "fin").iloc[0]
    a, b = rossi.fin == 0, rossi.fin == 1
    ref = logrank_test(rossi.week[a], rossi.week[b], rossi.arrest[a], rossi.arrest[b])
    assert plain["statistic"] == pytest.approx(ref.test_statistic, rel=1e-10)
    assert plain["statistic"] == pytest.approx(R["logrank_chisq"], rel=1e-8)
    strat = logrank_rows(rossi, "week", "arrest", "fin", strata=["wexp"]).iloc[0]
    assert strat["method"] == "logrank_stratified"
    assert strat["statistic"] == pytest.approx(R["logrank_stratified_chisq"], rel=1e-8)
    # by hand: O - E and variance summed over strata, each from lifelines' own per-stratum test
    oe = var = 0.0
    for _, part in rossi.groupby("wexp"):
        r = logrank_test(part.week[part.fin == 1], part.week[part.fin == 0], part.arrest[part.fin == 1],
                         part.arrest[part.fin == 0])
        z2 = r.test_statistic
        o = part.arrest[part.fin == 1].sum()
        row = logrank_rows(part, "week", "arrest", "fin").iloc[0]
        assert row["statistic"] == pytest.approx(z2, rel=1e-10)
        oe, var = oe + row["effect"], var + row["se"] ** 2
        assert o > 0
    assert strat["statistic"] == pytest.approx(oe ** 2 / var, rel=1e-12)


def test_km_and_rmst_equal_lifelines(rossi):
    km = km_curves(rossi, "week", "arrest", "fin", alpha=0.1)
    ref = KaplanMeierFitter(alpha=0.1).fit(rossi.week[rossi.fin == 1], rossi.arrest[rossi.fin == 1])
    k1 = km[km.group == 1]
    np.testing.assert_allclose(k1["survival"], ref.survival_function_.iloc[:, 0])
    np.testing.assert_allclose(k1["ci_low"], ref.confidence_interval_.iloc[:, 0])
    r = rmst_difference(rossi, "week", "arrest", "fin", tau=40.0).iloc[0]
    assert r["rmst_treated"] == pytest.approx(restricted_mean_survival_time(ref, t=40.0), rel=1e-10)
    s = survival_at_tau_rows(rossi, "week", "arrest", "fin", tau=40.0).iloc[0]
    s1 = float(ref.survival_function_at_times(40.0).iloc[0])
    s0 = float(KaplanMeierFitter().fit(rossi.week[rossi.fin == 0], rossi.arrest[rossi.fin == 0])
               .survival_function_at_times(40.0).iloc[0])
    assert s["effect"] == pytest.approx(s1 - s0, abs=1e-12)


def test_pseudo_values_equal_brute_force_jackknife(rossi):
    part = rossi[rossi.fin == 0].iloc[:60]
    t, e = part.week.to_numpy(float), part.arrest.to_numpy(float)
    ps, pr, s_tau, r_tau = km_pseudo_values(t, e, 30.0)
    full = KaplanMeierFitter().fit(t, e)
    assert r_tau == pytest.approx(restricted_mean_survival_time(full, t=30.0), rel=1e-10)
    assert pr.mean() == pytest.approx(r_tau, rel=1e-8)       # the mean of the pseudo-values is the KM estimate
    n = len(t)
    for i in (0, 7, 31):
        keep = np.arange(n) != i
        loo = KaplanMeierFitter().fit(t[keep], e[keep])
        assert pr[i] == pytest.approx(n * r_tau - (n - 1) * restricted_mean_survival_time(loo, t=30.0), rel=1e-8)
        s_loo = float(loo.survival_function_at_times(30.0).iloc[0])
        assert ps[i] == pytest.approx(n * s_tau - (n - 1) * s_loo, abs=1e-8)
