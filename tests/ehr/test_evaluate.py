"""Evaluation over time on PBC sequential data: metrics present, and the calibration controls order."""

import warnings

import pytest

from pharmasynth.ehr.evaluate import evaluate_timelines


@pytest.fixture(scope="module")
def split(pbc):
    from pharmasynth.ehr import TimelineSynthesizer

    train, holdout = pbc.split(0.4, random_state=0)
    model = TimelineSynthesizer(covariates=["age", "male"], em_sweeps=2, random_state=0).fit(train)
    return train, holdout, model.sample(train.n_patients, random_state=1)


def test_report_has_every_part(split, tmp_path):
    train, holdout, syn = split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = evaluate_timelines(train, syn, holdout)
    d = rep.details().set_index("name")
    for name in ("cumulative_incidence_gap", "events_per_patient_tvd", "inter_event_interval_ks",
                 "age_sex_incidence_relative_error", "cooccurrence_gap", "lab_mean_by_year_gap", "lab_sd_by_year_gap",
                 "lab_autocorrelation_gap", "lab_before_event_gap", "query_median_relative_error",
                 "timeline_dcr_share_closer_to_train", "timeline_membership_auc", "timeline_identical_share",
                 "timeline_rows_valid"):
        assert name in d.index, name
    # PBC has no cardiovascular events: the utility row fails visibly instead of vanishing
    assert d.loc["cv5y_auc", "status"] == "failed" and "cardiovascular" in d.loc["cv5y_auc", "error"]
    assert d.loc["cumulative_incidence_gap", "value"] < 0.15
    assert d.loc["timeline_identical_share", "value"] == 0 and d.loc["timeline_rows_valid", "value"] == 1
    assert rep.figures and rep.figures[0].section == "incidence"
    paths = rep.write(tmp_path)
    assert paths["html"].is_file()


def test_calibration_controls_order(split):
    train, holdout, syn = split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = evaluate_timelines(train, syn, holdout, calibrate=True, plots=False)
    cal = rep.calibration.set_index("candidate")
    copies = cal.loc["copies of training (privacy floor)"]
    assert copies["timeline_identical_share"] > 0.9 and copies["timeline_membership_auc"] > 0.9
    assert cal.loc["synthetic (under test)", "privacy"] > copies["privacy"]
    shuffled = cal.loc["shuffled across patients (fidelity floor)"]
    assert shuffled["timeline_identical_share"] < 0.05  # attributes moved: no longer copies
    assert cal.loc["real split (ceiling)", "timeline_membership_auc"] < 0.65
