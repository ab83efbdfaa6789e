"""Time-to-event simulation: log-rank equal to lifelines, event times from the hazards and from a twin,
and the known-truth operating characteristics of a 3-look O'Brien-Fleming design."""

import math

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import SchemaError, UsageError
from pharmasynth.trials.design.events import ControlHazard
from pharmasynth.trials.design_simulation import simulate_design
from pharmasynth.trials.design_workflows import design_trial
from pharmasynth.trials.survival_simulation import (draw_survival_trials, event_calendar_times, logrank_at,
                                                    twin_control_hazard)


def test_vectorised_logrank_equals_lifelines():
    from lifelines.statistics import logrank_test

    h = ControlHazard.exponential(median=10)
    st = draw_survival_trials(h, 6, 40, 50, hr=0.6, accrual_duration=12, dropout=0.03, random_state=3)
    cols = np.arange(90)
    cutoff = np.full(6, 15.0)
    U, V, E, n = logrank_at(st, cols, cutoff)
    for b in range(6):
        follow = cutoff[b] - st.entry[b]
        present = follow > 0
        t = np.minimum(np.minimum(st.event_time[b], st.dropout_time[b]), follow)[present]
        e = (st.event_time[b] <= np.minimum(st.dropout_time[b], follow))[present]
        tr = st.treated[present]
        ref = logrank_test(t[tr], t[~tr], e[tr], e[~tr])
        assert U[b] ** 2 / V[b] == pytest.approx(ref.test_statistic, rel=1e-10)
        assert E[b] == e.sum() and n[b] == present.sum()


def test_event_times_follow_the_hazards():
    """Exponential MLE (events / exposure) recovers the control rate and the hazard ratio."""
    lam = math.log(2) / 10
    st = draw_survival_trials(ControlHazard.exponential(rate=lam), 40, 500, 500, hr=0.7, random_state=5)
    t = st.event_time
    rate_c, rate_t = 1 / t[:, ~st.treated].mean(), 1 / t[:, st.treated].mean()
    se = lam / math.sqrt(t[:, ~st.treated].size)
    assert abs(rate_c - lam) < 3 * se and abs(rate_t / rate_c - 0.7) < 0.02
    pw = ControlHazard.piecewise([0, 5], [0.2, 0.05])
    st = draw_survival_trials(pw, 20, 1000, 0, random_state=6)
    for q in (2.0, 5.0, 12.0):
        p = float(pw.survival(np.array([q]))[0])
        assert abs(np.mean(st.event_time > q) - p) < 3 * math.sqrt(p * (1 - p) / st.event_time.size)


GBSG2_BASE = ["age", "tsize", "pnodes", "progrec", "estrec"]


@pytest.fixture(scope="module")
def gbsg2_twin():
    """An event-only twin fitted on GBSG2 (breast cancer; a source other than the ACTG 175 demo)."""
    from pharmasynth.trials import DigitalTwin, load_gbsg2

    df = load_gbsg2()
    twin = DigitalTwin(baseline=GBSG2_BASE, visits=[], time="time", event="cens", random_state=0).fit(df)
    return twin, df[GBSG2_BASE].reset_index(drop=True)


def test_twin_hazard_is_the_twins_weibull_on_another_data_set(gbsg2_twin):
    """The ControlHazard read off the twin's public methods reproduces twin.predict_survival for every
    pool patient."""
    twin, full = gbsg2_twin
    pool = full.iloc[:50]
    hazard, risk = twin_control_hazard(twin, pool)
    times = np.array([365.0, 1000.0, 2000.0])
    expected = twin.predict_survival(pool, times).to_numpy()
    got = np.exp(-hazard.cumulative_hazard(times))
    np.testing.assert_allclose(got, expected, rtol=1e-8)
    np.testing.assert_allclose(risk, twin.risk_score(pool).to_numpy(), rtol=1e-8)
    with pytest.raises(SchemaError, match="no event model"):
        from pharmasynth.trials.twin import LinearGaussianTwin

        twin_control_hazard(LinearGaussianTwin(["age"], [1.0]), pool)


@pytest.fixture(scope="module")
def obf_design():
    """One-sided 0.025, 3 equally spaced looks, O'Brien-Fleming-type; exponential control, median 12."""
    return design_trial("survival", hr=0.7, alpha=0.025, sided=1, power=0.9, looks=3, spending="obf",
                        control_median=12, accrual_rate=40, follow_up=6)


def test_type_one_error_of_three_look_obf_logrank(obf_design):
    sim = simulate_design(obf_design, hrs=[1.0], n_trials=8000, random_state=20261130, chunk_trials=2000)
    row = sim.summary().loc[(1.0, "randomised", "logrank")]
    mc = math.sqrt(0.025 * 0.975 / 8000)
    assert abs(row["rejection_rate"] - 0.025) <= 2 * mc, row["rejection_rate"]
    assert sim.type_one_error_ok().all()


def test_power_equals_design_power_when_the_model_is_the_designs(obf_design):
    sim = simulate_design(obf_design, hrs=[0.7], n_trials=4000, random_state=4242, chunk_trials=2000)
    row = sim.summary().loc[(0.7, "randomised", "logrank")]
    stated = obf_design.design["power_at_design"]
    assert abs(row["rejection_rate"] - stated) <= 2 * row["mc_se"], (row["rejection_rate"], stated)
    # stopping probabilities and expected events agree with the exact integration too (looser: 3 MC SE)
    b = obf_design.boundaries
    exact_stop = np.diff(np.r_[0, b["cumulative_power_h1"]])
    for k in range(2):
        assert abs(row[f"p_efficacy_look_{k + 1}"] - exact_stop[k]) <= 3 * row[f"p_stop_look_{k + 1}_mc_se"] + 1e-3
    assert abs(row["expected_events"] - obf_design.design["expected_events_h1"]) <= 3 * row["expected_events_mc_se"] + 1


def test_drift_inflates_the_hybrid_design_only(obf_design):
    """Enrolled patients' hazard 30% below the twin's: randomised log-rank keeps alpha, the hybrid design
    (half its controls synthetic) does not."""
    sim = simulate_design(obf_design, hrs=[1.0], n_trials=1500, drift=math.log(0.7), control_fraction=0.5,
                          random_state=77)
    t = sim.summary()
    mc = math.sqrt(0.025 * 0.975 / 1500)
    assert abs(t.loc[(1.0, "randomised", "logrank"), "rejection_rate"] - 0.025) <= 3 * mc
    assert t.loc[(1.0, "hybrid", "logrank"), "rejection_rate"] > 0.2


def test_same_seed_same_result_and_outputs(obf_design, tmp_path):
    import json

    a = simulate_design(obf_design, hrs=[0.8], n_trials=300, random_state=9)
    b = simulate_design(obf_design, hrs=[0.8], n_trials=300, random_state=9)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    paths = a.write(tmp_path / "sim")
    doc = json.loads(paths["simulation"].read_text())
    assert doc["scenarios"][0]["true_hr"] == 0.8 and "p_stop_look_3" in doc["scenarios"][0]
    assert paths["html"].stat().st_size > 10_000


def test_simulation_input_errors(obf_design):
    with pytest.raises(UsageError, match="endpoint"):
        simulate_design(design_trial("continuous", effect=1.0, sd=2.0))
    with pytest.raises(UsageError, match="patients_control"):
        simulate_design(design_trial("survival", hr=0.7))
    with pytest.raises(UsageError, match="control_fraction"):
        simulate_design(obf_design, control_fraction=1.5, n_trials=10)
    with pytest.raises(UsageError, match="positive"):
        simulate_design(obf_design, hrs=[0.0], n_trials=10)
    with pytest.raises(UsageError, match="pool"):
        simulate_design(obf_design, twin=object(), n_trials=10)


def test_event_calendar_times_sorted():
    st = draw_survival_trials(ControlHazard.exponential(median=5), 3, 10, 10, accrual_duration=4, dropout=0.1,
                              random_state=1)
    cal = event_calendar_times(st, np.arange(20))
    assert np.all(np.diff(cal, axis=1)[np.isfinite(np.diff(cal, axis=1))] >= 0)


def test_batched_cox_and_rmst_equal_lifelines():
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    from pharmasynth.trials.survival_batched import cox_sorted, rmst_sorted, sorted_at_look

    rng = np.random.default_rng(12)
    h = ControlHazard.weibull_mixture(np.exp(rng.normal(2.5, 0.5, 50)), 1.3)
    st = draw_survival_trials(h, 4, 60, 60, hr=0.6, accrual_duration=10, dropout=0.02, random_state=2)
    score = np.log(h.scales)[st.component]
    s = sorted_at_look(st, np.arange(120), np.full(4, 20.0), score)
    b, se, ok = cox_sorted(s)
    ba, sea, oka = cox_sorted(s, adjusted=True)
    diff, _ = rmst_sorted(s, np.full(4, 12.0))
    assert ok.all() and oka.all()
    for i in range(4):
        m = s["present"][i]
        df = pd.DataFrame({"t": s["time"][i][m], "e": s["event"][i][m].astype(int),
                           "tr": s["treated"][i][m].astype(float), "sc": s["score"][i][m]})
        ref = CoxPHFitter().fit(df[["t", "e", "tr"]], "t", "e")
        assert b[i] == pytest.approx(ref.params_["tr"], abs=1e-6) and se[i] == pytest.approx(ref.standard_errors_["tr"], abs=1e-6)
        ref = CoxPHFitter().fit(df, "t", "e")
        assert ba[i] == pytest.approx(ref.params_["tr"], abs=1e-6) and sea[i] == pytest.approx(ref.standard_errors_["tr"], abs=1e-6)
        r = [restricted_mean_survival_time(KaplanMeierFitter().fit(g.t, g.e), t=12.0)
             for _, g in (("t", df[df.tr == 1]), ("c", df[df.tr == 0]))]
        assert diff[i] == pytest.approx(r[0] - r[1], abs=1e-10)


def test_rmst_standard_error_matches_the_spread_of_estimates():
    """Mean Greenwood SE of the RMST difference vs the SD of 3000 simulated differences (SE of an SD: ~1.3%)."""
    from pharmasynth.trials.survival_batched import rmst_sorted, sorted_at_look

    st = draw_survival_trials(ControlHazard.exponential(median=8), 3000, 120, 120, hr=0.8, accrual_duration=6,
                              dropout=0.02, random_state=31)
    s = sorted_at_look(st, np.arange(240), np.full(3000, 24.0))
    diff, se = rmst_sorted(s, np.full(3000, 15.0))
    assert np.mean(se) / np.std(diff, ddof=1) == pytest.approx(1.0, abs=0.05)


def test_twin_adjusted_cox_keeps_alpha_and_gains_power(gbsg2_twin):
    """GBSG2 twin: Cox adjusted for the twin's risk score keeps the type I error and has more power than
    the log-rank test the design was sized for (the survival analogue of PROCOVA)."""
    twin, pool = gbsg2_twin
    design = design_trial("survival", hr=0.75, alpha=0.025, sided=1, power=0.8, looks=2, spending="obf",
                          twin=twin, pool=pool, accrual_duration=700, follow_up=1000)
    sim = simulate_design(design, twin=twin, pool=pool, hrs=[1.0, 0.75], n_trials=600, random_state=5150,
                          analyses=("logrank", "cox_adjusted"))
    t = sim.summary()["rejection_rate"]
    mc = math.sqrt(0.025 * 0.975 / 600)
    assert abs(t[(1.0, "randomised", "cox_adjusted")] - 0.025) <= 2 * mc
    assert abs(t[(1.0, "randomised", "logrank")] - 0.025) <= 2 * mc
    assert t[(0.75, "randomised", "cox_adjusted")] > t[(0.75, "randomised", "logrank")] + 0.03


def test_continuous_simulator_points_an_event_twin_to_the_survival_path(gbsg2_twin):
    from pharmasynth.trials.simulate import simulate_trials

    twin, pool = gbsg2_twin
    with pytest.raises(SchemaError, match="only an event.*--endpoint survival"):
        simulate_trials(twin, pool, n_trials=10)


def test_time_ratio_equals_hazard_ratio_for_exponential_times(obf_design):
    """Exponential control times: multiplying treated times by 1/0.7 is HR 0.7 - same draws, same decisions."""
    a = simulate_design(obf_design, hrs=[0.7], n_trials=300, random_state=8)
    b = simulate_design(obf_design, time_ratios=[1 / 0.7], n_trials=300, random_state=8)
    assert b.summary().index.names[0] == "true_time_ratio"
    np.testing.assert_array_equal(a.summary()["rejection_rate"].to_numpy(), b.summary()["rejection_rate"].to_numpy())
    np.testing.assert_allclose(a.summary()["expected_duration"].to_numpy(), b.summary()["expected_duration"].to_numpy(),
                               rtol=1e-9)
    with pytest.raises(UsageError, match="not both"):
        simulate_design(obf_design, hrs=[0.7], time_ratios=[1.2], n_trials=10)


@pytest.mark.dask
def test_dask_local_cluster_identical(obf_design):
    from dask.distributed import LocalCluster

    local = simulate_design(obf_design, hrs=[0.8], n_trials=400, chunk_trials=100, random_state=3)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = simulate_design(obf_design, hrs=[0.8], n_trials=400, chunk_trials=100, random_state=3, client=cluster)
    pd.testing.assert_frame_equal(local.summary(), remote.summary())


def test_futility_design_simulated_matches_exact_integration():
    """Non-binding HSD futility: simulated power (futility obeyed) and the futility-stop probability
    within 2 MC SE of the exact values; under H0 ignoring futility the type I error is alpha."""
    design = design_trial("survival", hr=0.6, alpha=0.025, sided=1, power=0.85, looks=3, spending="hsd", gamma=-4,
                          futility="hsd", futility_gamma=-2, control_median=10, accrual_rate=30, follow_up=6)
    sim = simulate_design(design, hrs=[1.0, 0.6], n_trials=3000, random_state=6060)
    h1 = sim.summary().loc[(0.6, "randomised", "logrank")]
    exact_power = design.boundaries["cumulative_power_h1"].iloc[-1]
    exact_futility = design.boundaries["cumulative_futility_h1"].iloc[-2]  # stops for futility before the end
    assert abs(h1["rejection_rate"] - exact_power) <= 2 * h1["mc_se"], (h1["rejection_rate"], exact_power)
    se_f = math.sqrt(exact_futility * (1 - exact_futility) / 3000)
    assert abs(h1["p_futility"] - exact_futility) <= 2 * se_f + 0.005, (h1["p_futility"], exact_futility)
    h0 = sim.summary().loc[(1.0, "randomised", "logrank")]
    assert abs(h0["rejection_rate_ignoring_futility"] - 0.025) <= 2 * math.sqrt(0.025 * 0.975 / 3000)
    assert h0["rejection_rate"] <= h0["rejection_rate_ignoring_futility"]


def test_unequal_allocation_shows_the_event_formulas_err_in_opposite_directions():
    """2:1 allocation (treated arm larger, HR 0.6): simulation from the design's own model shows
    Schoenfeld's events giving more power than stated (by more than 2 MC SE) and Freedman's fewer
    events less than Schoenfeld's. With 1:1 Schoenfeld is right (test above)."""
    powers = {}
    for method in ("schoenfeld", "freedman"):
        design = design_trial("survival", hr=0.6, alpha=0.025, sided=1, power=0.85, ratio=2.0, events_method=method,
                              control_median=10, accrual_rate=40, follow_up=6)
        assert design.design["patients_treated"] == pytest.approx(2 * design.design["patients_control"], abs=1)
        row = simulate_design(design, hrs=[0.6], n_trials=3000, random_state=2121).summary().iloc[0]
        powers[method] = (row["rejection_rate"], row["mc_se"])
    assert powers["schoenfeld"][0] > 0.85 + 2 * powers["schoenfeld"][1]
    assert powers["freedman"][0] < powers["schoenfeld"][0] - 2 * math.hypot(powers["freedman"][1], powers["schoenfeld"][1])
