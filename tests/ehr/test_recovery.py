"""Known truth: timelines simulated from known parameters, refitted, recover them within their CIs."""

import numpy as np
import pytest

from pharmasynth.ehr.design import DAYS_PER_YEAR, poisson_fit
from pharmasynth.ehr.events import EventProcess
from pharmasynth.ehr.labs import TestModel, _ou_noise

BANDS = (0.0, 2.0, 5.0)
# rows: A, B, death; columns: 3 band log-rates per year, 2 covariates, history of A, history of B
TRUE = np.array([[-2.5, -2.0, -2.2, 0.5, -0.3, 0.0, 0.7],
                 [-3.0, -3.0, -2.5, 0.2, 0.4, 1.0, 0.0],
                 [-4.0, -3.5, -3.0, 0.3, 0.0, 0.5, 0.8]])


def _simulate(n, seed):
    rng = np.random.default_rng(seed)
    truth = EventProcess(["A", "B"], "death", BANDS)
    truth.coef_ = TRUE.copy()
    X = np.column_stack([rng.standard_normal(n), rng.integers(0, 2, n)]).astype(float)
    history = rng.random((n, 2)) < 0.1
    censor = rng.uniform(1, 8, n) * DAYS_PER_YEAR
    first, end = truth.simulate(X, history, censor, rng)
    first[:, :2] = np.where(history, -30.0, first[:, :2])
    return X, first, end


def test_event_process_recovers_known_rates_within_their_cis():
    X, first, end = _simulate(8000, seed=1)
    died = np.isfinite(first[:, 2])
    assert np.all(end[died] == first[died, 2])  # death ends the timeline
    assert np.all(~(first[:, :2] > end[:, None]))  # nothing after the end
    fit = EventProcess(["A", "B"], "death", BANDS, same_day=False).fit(X, first[:, :2], end, died)
    est, se = fit.coef_, fit.se_
    mask = np.ones_like(TRUE, bool)
    mask[0, 5] = mask[1, 6] = False  # own history: not estimable (not at risk once had)
    z = np.abs(est - TRUE)[mask] / se[mask]
    assert np.all(z < 3.5), z
    assert np.mean(z < 1.96) >= 0.85, z  # nominal 95% coverage, 19 parameters


def test_poisson_fit_matches_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(3000), rng.standard_normal((3000, 3))])
    expo = rng.uniform(0.1, 3, 3000)
    y = rng.poisson(np.exp(X @ [-1.0, 0.3, -0.2, 0.1]) * expo)
    ours, cov = poisson_fit(X, y.astype(float), expo, ridge=0.0)
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(expo)).fit()
    assert np.allclose(ours, ref.params, atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(cov)), ref.bse, rtol=1e-4)


def test_lab_model_recovers_fixed_effects_variance_components_and_decay():
    rng = np.random.default_rng(3)
    n, per = 1500, 8
    pid = np.repeat(np.arange(n), per)
    t = np.sort(rng.uniform(0, 6, (n, per)) * DAYS_PER_YEAR, axis=1).ravel()
    x = rng.standard_normal(n)[pid]
    design = np.column_stack([np.ones(len(pid)), x, t / DAYS_PER_YEAR])
    beta = np.array([50.0, 3.0, -0.5])
    y = design @ beta + rng.standard_normal(n)[pid] * 6.0 + _ou_noise(pid, t, 0.5, 4.0, rng)
    m = TestModel().fit("custom", y, design, pid, t)
    assert not m.log and not m.discrete
    assert np.allclose(m.coef_, beta, atol=[0.6, 0.3, 0.1])
    assert m.sd_intercept_ == pytest.approx(6.0, rel=0.1) and m.sd_within_ == pytest.approx(4.0, rel=0.1)
    assert m.phi_ == pytest.approx(0.5, abs=0.1)


def test_whole_model_refit_on_its_own_samples_recovers_its_hazards(pbc_model):
    syn = pbc_model.sample(6000, random_state=5)
    from pharmasynth.ehr import TimelineSynthesizer

    refit = TimelineSynthesizer(covariates=["age", "male"], em_sweeps=2, random_state=1).fit(syn)
    a, b = pbc_model.hazard_table(), refit.hazard_table()
    m = a.merge(b, on=["event", "term"], suffixes=("_true", "_refit"))
    m = m[m["term"].str.startswith("band") | m["term"].isin(["age", "male"])]
    m = m[m["se_true"] < 1.0]  # terms the real data pin down
    z = (m["coef_refit"] - m["coef_true"]).abs() / m["se_refit"]
    assert len(m) >= 10 and (z < 3.5).all(), m.assign(z=z)


def test_between_patient_differences_are_not_turned_into_pre_event_jumps():
    """People who will get the event have lower values all along, with no change around it: the
    fitted before/after effects must be ~0 (the ever_k term takes the difference)."""
    from pharmasynth.ehr.labs import event_flags

    rng = np.random.default_rng(4)
    n, per = 2000, 6
    pid = np.repeat(np.arange(n), per)
    t = np.sort(rng.uniform(-3, 6, (n, per)) * DAYS_PER_YEAR, axis=1).ravel()
    first = np.where(rng.random((n, 1)) < 0.3, rng.uniform(0, 5, (n, 1)) * DAYS_PER_YEAR, np.nan)
    y = 50 - 5.0 * np.isfinite(first[pid, 0]) + rng.standard_normal(n)[pid] * 3 + rng.standard_normal(len(pid))
    design = np.column_stack([np.ones(len(pid)), t / DAYS_PER_YEAR, event_flags(first, pid, t)])
    m = TestModel().fit("custom", y, design, pid, t)
    ever, after, before = m.coef_[2:]
    assert ever == pytest.approx(-5.0, abs=0.5)
    assert abs(after) < 0.2 and abs(before) < 0.2


def test_event_process_ci_coverage_is_nominal():
    """Over repeated simulations, the 95% CIs cover the true coefficients 95% of the time
    (within 2 Monte-Carlo SEs of the pooled coverage)."""
    mask = np.ones_like(TRUE, bool)
    mask[0, 5] = mask[1, 6] = False
    hits, reps = [], 30
    for seed in range(reps):
        X, first, end = _simulate(1500, seed=100 + seed)
        fit = EventProcess(["A", "B"], "death", BANDS, same_day=False).fit(X, first[:, :2], end,
                                                                            np.isfinite(first[:, 2]))
        hits.append((np.abs(fit.coef_ - TRUE) <= 1.96 * fit.se_)[mask])
    coverage = float(np.mean(hits))
    mc_se = np.sqrt(0.95 * 0.05 / (reps * mask.sum()))
    assert abs(coverage - 0.95) < 2 * mc_se + 0.01, coverage  # +0.01: intervals of one replicate are correlated


def test_same_day_codiagnosis_probability_is_recovered():
    rng = np.random.default_rng(7)
    n = 8000
    truth = EventProcess(["A", "B"], "death", BANDS)
    truth.coef_ = TRUE.copy()
    truth.codiagnosis_ = np.array([[0.0, 0.3], [0.0, 0.0]])  # B comes with a primary A 30% of the time
    X = np.column_stack([rng.standard_normal(n), rng.integers(0, 2, n)]).astype(float)
    first, end = truth.simulate(X, np.zeros((n, 2), bool), rng.uniform(1, 8, n) * DAYS_PER_YEAR, rng)
    first = np.ceil(first)  # whole days, as in records
    fit = EventProcess(["A", "B"], "death", BANDS, same_day=True).fit(X, first[:, :2], end, np.isfinite(first[:, 2]))
    inc_a = np.isfinite(first[:, 0])
    free = inc_a & ~(first[:, 1] < first[:, 0])
    se = np.sqrt(0.3 * 0.7 / free.sum())
    assert abs(fit.codiagnosis_[0, 1] - 0.3) < 3 * se + 0.005  # + a few chance same-day pairs
    # B's own hazard (primary arrivals only) is still recovered
    z = np.abs(fit.coef_[1, :5] - TRUE[1, :5]) / fit.se_[1, :5]
    assert np.all(z < 3.5), z
