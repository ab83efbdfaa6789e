import json

import pytest

from pharmasynth.demos import run_part


@pytest.mark.slow
def test_quick_ehr_demo_writes_a_report_that_leads_with_incidence_and_queries(tmp_path):
    out = run_part("ehr", tmp_path, random_state=0, quick=True)
    report = json.loads((tmp_path / "ehr" / "report.json").read_text())
    names = [m["name"] for m in report["metrics"]]
    assert names[:2] == ["cumulative_incidence_gap", "query_median_relative_error"]
    assert (tmp_path / "ehr" / "report.html").is_file()
    assert report["headline"]["status"] in {"pass", "fail", "incomplete"}
    assert isinstance(out, dict) and out
