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
    # utility failed and validity never ran: no overall score, only a partial one, said so
    assert rep.score() is None
    assert rep.partial_score() == pytest.approx((0.6 + 0.8) / 2)
    missing = rep.missing_groups()
    assert set(missing) == {"utility", "validity"} and "boom failed (ZeroDivisionError" in missing["utility"]
    text = rep.to_text()
    assert "no overall score" in text and "partial score" in text
    assert "FAILED, not averaged: boom" in text and "ZeroDivisionError" in text and "weights:" in text
    row = rep.details().set_index("name").loc["boom"]
    assert row["status"] == "failed" and (row["score"] is None or math.isnan(row["score"]))


def test_group_weights_change_the_overall_score():
    with pytest.warns(UserWarning):
        rep = _report()
    rep.group_weights = {"fidelity": 3.0, "utility": 1.0, "privacy": 1.0, "validity": 1.0}
    assert rep.score() is None and rep.partial_score() == pytest.approx((3 * 0.6 + 1 * 0.8) / 4)
    # weight 0 takes a group out of what the overall score requires
    rep.group_weights = {"fidelity": 3.0, "utility": 0.0, "privacy": 1.0, "validity": 0.0}
    assert rep.score() == pytest.approx((3 * 0.6 + 1 * 0.8) / 4) and rep.missing_groups() == {}


def test_json_contract_and_atomic_files(tmp_path):
    with pytest.warns(UserWarning):
        rep = _report()
    rep.add_table("t", pd.DataFrame({"x": [1, 2]}))
    paths = rep.write(tmp_path / "out")
    data = json.loads(paths["json"].read_text())
    assert set(data["groups"]) == {"fidelity", "utility", "privacy", "validity"}
    assert data["score"] is None and data["partial_score"] == pytest.approx(rep.partial_score())
    assert data["headline"]["status"] == "incomplete" and "utility" in data["missing_groups"]
    assert data["gates"] == [] and data["passed"] is None and data["comparators"] == []
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


def test_summary_is_one_row_per_group_and_to_text_is_the_readable_one():
    with pytest.warns(UserWarning):
        rep = _report()
    s = rep.summary()
    assert isinstance(s, pd.DataFrame)
    assert list(s.columns) == ["group", "score", "weight", "n_scored", "n_metrics", "failed", "skipped"]
    s = s.set_index("group")
    assert list(s.index) == ["fidelity", "utility", "privacy", "validity"]
    assert s.loc["fidelity", "score"] == pytest.approx(0.6) and s.loc["fidelity", "n_scored"] == 2
    assert s.loc["utility", "failed"] == ["boom"] and s.loc["privacy", "skipped"] == ["needs_holdout"]
    assert str(rep) == rep.to_text() and rep.to_text().startswith("t\n=")


def test_old_names_warn_and_still_work(tmp_path):
    with pytest.warns(UserWarning):
        rep = _report()
    with pytest.warns(FutureWarning, match=r"Report\.save.*Report\.write"):
        paths = rep.save(tmp_path, "old")
    assert paths == {"json": tmp_path / "old.json", "html": tmp_path / "old.html"}
    assert json.loads(paths["json"].read_text())["partial_score"] == pytest.approx(rep.partial_score())
    with pytest.warns(FutureWarning, match=r"Report\.frame\(\).*details"):
        pd.testing.assert_frame_equal(rep.frame(), rep.details())
    rep.add(metric("column_shape", "fidelity", 0.9, details={"per_column": [
        {"column": "x", "similarity": 0.9, "histogram": {"categories": []}}]}))
    with pytest.warns(FutureWarning, match=r"Report\.frames"):
        frames = rep.frames
    assert list(frames) == ["column_shapes"] and list(frames["column_shapes"].columns) == ["column", "similarity"]


def test_add_figure_takes_a_figure_or_a_png():
    import sys

    from pharmasynth._util.figures import figure_to_png_base64, new_figure

    fig, ax = new_figure()
    ax.plot([0, 1], [1, 0])
    rep = Report().add_figure("made with new_figure", fig, "caption", section="fidelity")
    png = figure_to_png_base64(fig)
    rep.add_figure("ready PNG", png)
    assert [f.title for f in rep.figures] == ["made with new_figure", "ready PNG"]
    assert rep.figures[1].png_base64 == png and rep.figures[0].section == "fidelity"
    assert rep.figures[0].png_base64.startswith("iVBORw0KGgo")           # a PNG signature
    import matplotlib.pyplot as plt                                       # a pyplot figure is released

    before = len(plt.get_fignums())
    Report().add_figure("pyplot", plt.figure())
    assert len(plt.get_fignums()) == before and "matplotlib.pyplot" in sys.modules


def _full_report(privacy=0.2):
    rep = Report(title="t")
    rep.add(metric("a", "fidelity", 1.0), metric("u", "utility", 1.0), metric("v", "validity", 1.0),
            metric("p", "privacy", privacy))
    return rep


def test_skipping_a_group_never_raises_the_headline():
    """The ACTG 175 case of issue 11: without a holdout the old overall score went UP (0.947 -> 0.972)."""
    full = _full_report(privacy=0.5)
    assert full.score() == pytest.approx(0.875) and full.headline()["status"] == "pass"
    no_util = Report(metrics=[m for m in full.metrics if m.group != "utility"]
                     + [MetricResult.skipped("utility_loss", "utility", "no target column given (--target)")],
                     missing_hints={"utility": "give --holdout and --target"})
    assert no_util.score() is None
    head = no_util.headline()
    assert head["status"] == "incomplete"
    assert "utility: not run - no target column given (--target) (give --holdout and --target)" in head["text"]
    assert "partial score 0.833" in head["text"] and "not comparable" in head["text"]


def test_comparators_are_shown_and_never_averaged(tmp_path):
    from pharmasynth.evaluation import comparator

    rep = _full_report(privacy=1.0)
    rep.add(comparator(metric("baseline_success", "utility", 0.0), "rejection sampling"))
    rep.add_comparator(metric("real_only_recall", "utility", 0.1), label="real-only classifier")
    assert rep.score("utility") == 1.0 and rep.group_scores()["utility"]["n_metrics"] == 1
    assert list(rep.comparators()["name"]) == ["baseline_success", "real_only_recall"]
    data = json.loads(rep.write(tmp_path)["json"].read_text())
    assert [m["name"] for m in data["comparators"]] == ["baseline_success", "real_only_recall"]
    assert "baseline_success" not in {m["name"] for m in data["metrics"]}
    assert "[comparators]" in rep.to_text() and "<h2>Comparators</h2>" in rep.to_html()
    with pytest.raises(ValueError, match="role"):
        MetricResult("x", "utility", 1.0, role="baseline")


def test_a_failed_gate_means_no_pass_whatever_the_average():
    from pharmasynth.evaluation import Gate

    rep = _full_report(privacy=0.9)
    rep.gates = [Gate("exact_copies", False, "100% copies"), Gate("membership", True, "AUC 0.5")]
    assert rep.score() == pytest.approx(0.975) and rep.passed is False
    head = rep.headline()
    assert head["status"] == "fail" and "exact_copies: 100% copies" in head["text"] and "not a pass" in head["text"]
    rep.gates = [Gate("exact_copies", True, "ok"), Gate("membership", None, "not checked: no holdout")]
    assert rep.passed is None and rep.headline()["status"] == "incomplete"
    rep.gates = [Gate("exact_copies", True, "ok")]
    assert rep.passed is True and rep.headline()["status"] == "pass"
