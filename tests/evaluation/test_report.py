import json
import math

import pandas as pd
import pytest

from pharmasynth.evaluation import MetricResult, Report, guarded, metric


def _report():
    rep = Report(title="t")
    rep.add(metric("a", "fidelity", 0.8), metric("b", "fidelity", 0.4))
    rep.add(metric("dist", "privacy", 0.2, direction="lower"))
    rep.add(*guarded("boom", "utility", lambda: 1 / 0))
    rep.add(MetricResult.skipped("needs_holdout", "privacy", "no holdout given"))
    return rep


def test_failed_metric_is_shown_and_never_averaged():
    with pytest.warns(UserWarning, match="boom"):
        rep = _report()
    g = rep.group_scores()
    assert g["utility"]["score"] is None and g["utility"]["failed"] == ["boom"]
    assert g["fidelity"]["score"] == pytest.approx(0.6)
    assert g["privacy"]["score"] == pytest.approx(0.8) and g["privacy"]["skipped"] == ["needs_holdout"]
    # overall = equal-weight mean of the groups that have scores (utility, validity left out, said so)
    assert rep.score() == pytest.approx((0.6 + 0.8) / 2)
    text = rep.summary()
    assert "FAILED, not averaged: boom" in text and "ZeroDivisionError" in text and "weights:" in text
    row = rep.details().set_index("name").loc["boom"]
    assert row["status"] == "failed" and (row["score"] is None or math.isnan(row["score"]))


def test_group_weights_change_the_overall_score():
    with pytest.warns(UserWarning):
        rep = _report()
    rep.group_weights = {"fidelity": 3.0, "utility": 1.0, "privacy": 1.0, "validity": 1.0}
    assert rep.score() == pytest.approx((3 * 0.6 + 1 * 0.8) / 4)


def test_json_contract_and_atomic_files(tmp_path):
    with pytest.warns(UserWarning):
        rep = _report()
    rep.add_table("t", pd.DataFrame({"x": [1, 2]}))
    paths = rep.save(tmp_path / "out")
    data = json.loads(paths["json"].read_text())
    assert set(data["groups"]) == {"fidelity", "utility", "privacy", "validity"}
    assert data["score"] == pytest.approx(rep.score())
    assert {m["name"] for m in data["metrics"]} == {"a", "b", "dist", "boom", "needs_holdout"}
    html = paths["html"].read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "boom" in html
    # nothing half-written or temporary is left beside the outputs
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.json"]


def test_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    with pytest.warns(UserWarning):
        rep = _report()
    path = tmp_path / "report.json"
    rep.to_json(path)
    before = path.read_text()
    rep.add(metric("c", "fidelity", 1.0))
    import pharmasynth._util.atomic as atomic

    def interrupted(fd):  # the new text is half on disk when the run is killed
        raise KeyboardInterrupt("killed while writing")
    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rep.to_json(path)
    with pytest.raises(KeyboardInterrupt):
        rep.to_html(tmp_path / "report.html")
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_metric_knows_direction_and_bounds():
    m = metric("x", "privacy", 0.25, direction="lower")
    assert m.score == pytest.approx(0.75)
    t = metric("auc", "privacy", 0.7, direction="target", target=0.5)
    assert t.score is not None and t.score < 1
    with pytest.raises(ValueError):
        MetricResult(name="x", group="nonsense", value=1.0)
