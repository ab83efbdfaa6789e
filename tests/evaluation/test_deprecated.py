"""The old names stay one release: each warns (FutureWarning) and still gives the same numbers."""

import pandas as pd
import pytest

from pharmasynth.evaluation import (Report, dcr_baseline_protection, dcr_overfitting_protection, evaluate,
                                    fidelity_metrics, fidelity_report, privacy_metrics, privacy_report,
                                    utility_metrics, utility_report)
from pharmasynth.evaluation.tabular import align_tables


@pytest.fixture
def small(tables):
    real, fresh, holdout = tables
    return align_tables(real.iloc[:200], fresh.iloc[:200], holdout.iloc[:100])


def test_report_wrappers_warn_and_wrap_the_producers(small):
    r, s, h, schema = small
    with pytest.warns(FutureWarning, match="fidelity_report.*fidelity_metrics"):
        old = fidelity_report(r, s, schema, random_state=1, detection_max_rows=100)
    new = fidelity_metrics(r, s, schema, random_state=1, detection_max_rows=100)
    pd.testing.assert_frame_equal(old.details(), Report(new).details())
    with pytest.warns(FutureWarning, match="utility_report.*utility_metrics"):
        old = utility_report(r, s, h, schema, "flag", random_state=1, n_boot=20)
    new = utility_metrics(r, s, h, schema, "flag", random_state=1, n_boot=20)
    pd.testing.assert_frame_equal(old.details(), Report(new).details())
    with pytest.warns(FutureWarning, match="privacy_report.*privacy_metrics"):
        old = privacy_report(r, s, h, schema, random_state=1)
    pd.testing.assert_frame_equal(old.details(), Report(privacy_metrics(r, s, h, schema, random_state=1)).details())
    assert [f.title for f in old.figures] == ["Distance to closest record", "Membership-inference ROC curves"]
    with pytest.warns(FutureWarning):
        assert privacy_report(r, s, h, schema, random_state=1, plots=False).figures == []


def test_scheduler_keyword_warns_and_means_client(small):
    r, s, h, schema = small
    with pytest.warns(FutureWarning, match=r"dcr_overfitting_protection\(scheduler=\.\.\.\).*client="):
        old = dcr_overfitting_protection(r, s, h, schema, scheduler="local")
    assert old == dcr_overfitting_protection(r, s, h, schema)
    with pytest.warns(FutureWarning, match=r"dcr_baseline_protection\(scheduler=\.\.\.\)"):
        old = dcr_baseline_protection(r, s, schema, random_state=0, scheduler="local")
    assert old == dcr_baseline_protection(r, s, schema, random_state=0, client="local")
    with pytest.warns(FutureWarning, match=r"privacy_metrics\(scheduler=\.\.\.\)"):
        old = privacy_metrics(r, s, h, schema, random_state=2, scheduler="local")
    assert [m.value for m in old] == [m.value for m in privacy_metrics(r, s, h, schema, random_state=2)]
    with pytest.raises(TypeError, match="both scheduler="):
        privacy_metrics(r, s, h, schema, scheduler="local", client="local")


def test_evaluate_scheduler_keyword(tables):
    real, fresh, _ = tables
    with pytest.warns(FutureWarning, match=r"evaluate\(scheduler=\.\.\.\)"):
        old = evaluate(real.iloc[:150], fresh.iloc[:150], random_state=0, plots=False, scheduler="local")
    new = evaluate(real.iloc[:150], fresh.iloc[:150], random_state=0, plots=False, client="local")
    pd.testing.assert_frame_equal(old.details(), new.details())
