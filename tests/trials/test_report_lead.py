"""Trial reports lead with the effect, its CI, the SE ratio vs unadjusted and the saving it is worth;
designs whose type I error exceeds alpha are flagged bad."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.trials import analyze_trial
from pharmasynth.trials.report_lead import se_ratio_numbers, type_one_error_numbers
from pharmasynth.trials.validation import event_metrics


def test_the_analysis_lead_reports_the_effect_and_the_se_ratio_that_theory_predicts():
    # y = 10 * treated + x + noise with corr(x, y | arm) = rho: PROCOVA on x shrinks the SE by sqrt(1 - rho^2)
    rng = np.random.default_rng(3)
    n, rho, effect = 4000, 0.6, 10.0
    x = rng.normal(0, 1, n)
    arm = rng.integers(0, 2, n)
    y = effect * arm + 20 * (rho * x + np.sqrt(1 - rho ** 2) * rng.normal(0, 1, n))
    trial = pd.DataFrame({"arm": arm, "y": y})
    res = analyze_trial(trial, treatment="arm", outcome="y", score=x, meta={"units": {"y": "mmHg"}})
    lead = res.report.lead
    numbers = {k.label: k for k in lead.numbers}
    eff = numbers["effect on y (procova)"]
    assert eff.unit == "mmHg" and eff.ci[0] < effect < eff.ci[1]
    ratio = numbers["SE ratio vs unadjusted"].value
    assert ratio == pytest.approx(np.sqrt(1 - rho ** 2), abs=0.03)
    assert numbers["sample-size saving at equal precision"].value == pytest.approx(100 * (1 - ratio ** 2))
    assert numbers["SE ratio vs unadjusted"].status == "good"
    assert lead.sentence.startswith("PROCOVA estimates a treatment effect of") and "mmHg" in lead.sentence
    assert "fewer patients for the same precision" in lead.sentence
    html = res.report.to_html()
    assert html.index("class='lead") < html.index("<table")


def test_se_ratio_grades_and_type_one_error_flags():
    assert [k.status for k in se_ratio_numbers(0.786)] == ["good", "good"]
    assert se_ratio_numbers(1.02)[0].status == "bad" and se_ratio_numbers(0.97)[0].status == "borderline"
    summary = pd.DataFrame({"rejection_rate": [0.051, 0.182, 0.058]},
                           index=pd.Index(["unadjusted", "synthetic_control", "procova"], name="design"))
    nums = type_one_error_numbers(summary, alpha=0.05, n_trials=1000, label="drift")
    # Wilson CI over 1,000 trials: 0.058 -> [0.045, 0.074] holds 0.05, 0.182 -> [0.16, 0.21] does not
    assert [k.status for k in nums] == ["good", "bad", "good"]
    assert nums[1].label == "type I error, synthetic_control (drift)"


def test_twin_event_notes_print_times_as_numbers():
    cal = pd.DataFrame({"abs_error": [0.02, 0.05]})
    rows = event_metrics(cal, {"max_km_distance": 0.04, "logrank_p": 0.6}, 3, [np.float64(611.0), np.float64(1207.0)])
    assert "at times 611, 1,207" in rows[0].notes and "np.float64" not in rows[0].notes


def test_se_ratio_score_agrees_with_its_colour():
    from pharmasynth.trials.report import se_ratio_score

    assert se_ratio_score(0.786) == 1.0 and se_ratio_score(0.95) == pytest.approx(0.8)
    assert se_ratio_score(1.0) == pytest.approx(0.5) and se_ratio_score(1.2) == 0.0


def test_design_simulation_lead_flags_a_design_above_alpha_and_reports_power():
    from pharmasynth.trials.design_report import design_lead, design_simulation_lead

    idx = pd.MultiIndex.from_tuples([(1.0, "randomised", "logrank"), (1.0, "synthetic", "logrank"),
                                     (0.7, "randomised", "logrank")], names=["true_hr", "design", "analysis"])
    table = pd.DataFrame({"rejection_rate": [0.052, 0.11, 0.82], "mc_se": [0.007, 0.01, 0.012]}, index=idx)
    lead = design_simulation_lead(table, {"alpha": 0.05, "power": 0.9, "n_trials": 1000})
    st = {n.label: n.status for n in lead.numbers}
    assert st == {"type I error, randomised / logrank": "good", "type I error, synthetic / logrank": "bad",
                  "power at HR 0.7, randomised / logrank": "bad"}   # 0.82 + 2 x 0.012 < 0.9 - 0.05
    assert lead.sentence.startswith("1 design(s) exceed alpha 0.05") and lead.status == "bad"
    d = design_lead({"hazard_ratio": 0.7, "alpha": 0.05, "sided": 2, "power": 0.9, "looks": 3, "spending": "obf",
                     "events": 335, "events_fixed_design": 331, "patients": 1860, "duration": 904.9})
    assert d.sentence == ("To detect HR 0.7 with 90% power at alpha 0.05 (2-sided) with 3 looks (obf), the trial "
                          "needs 335 events, 1,860 patients, about 905 days.")
