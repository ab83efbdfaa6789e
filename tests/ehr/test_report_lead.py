"""The timeline report leads with the incidence curves' distance and the cohort-query error."""

import pandas as pd

from pharmasynth.ehr.evaluate import timeline_lead
from pharmasynth.evaluation import Report, metric


def test_timeline_lead_names_the_worst_event_and_grades_the_query_error():
    rep = Report([metric("query_median_relative_error", "utility", 0.30, bounds=(0, 10), direction="lower"),
                  metric("timeline_membership_auc", "privacy", 0.51, direction="lower")])
    inc = pd.DataFrame({"event": ["diabetes", "death"], "gap": [0.01, 0.07], "real_10y": [0.2, 0.1],
                        "synthetic_10y": [0.21, 0.17]})
    queries = pd.DataFrame({"relative_error": [0.1, 0.3, 0.5]})
    lead = timeline_lead(rep, inc, queries)
    by = {n.label: n for n in lead.numbers}
    assert by["cumulative incidence gap (mean over events)"].value == 0.04
    assert by["cumulative incidence gap (mean over events)"].status == "borderline"
    assert by["worst incidence gap: death"].status == "bad" and "synthetic 0.17" in by["worst incidence gap: death"].note
    assert by["median query relative error"].value == 30.0 and by["median query relative error"].status == "bad"
    assert by["membership attack AUC"].status == "good"
    assert "worst: death, 0.07" in lead.sentence and "median relative error of 30%" in lead.sentence
