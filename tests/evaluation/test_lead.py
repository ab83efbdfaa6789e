"""The lead: numbers for people, grades from a metric's declared direction, bounds and CI, and the
default lead of a graded report (pass/fail, score, weakest group, privacy gates)."""

import math

import numpy as np
import pytest

from pharmasynth.evaluation import KeyNumber, Lead, MetricResult, Report, format_number, grade, metric
from pharmasynth.evaluation.gates import Gate
from pharmasynth.evaluation.lead import headline_lead, metric_status
from pharmasynth.evaluation.metric import wilson_interval


@pytest.mark.parametrize("value, text", [
    (1825.0, "1,825"), (np.float64(611.0), "611"), (0.78612, "0.786"), (0.05, "0.05"), (73.355, "73.4"),
    (float("nan"), "—"), (None, "—"), (np.int64(12000), "12,000"), (0.000123, "0.000123"), (0.0, "0"),
    (-2.5, "-2.5"), (float("inf"), "∞")])
def test_format_number_reads_like_a_person_wrote_it(value, text):
    assert format_number(value) == text


def test_format_number_never_uses_scientific_notation_in_the_normal_range():
    for v in np.geomspace(1e-4, 1e9, 60):
        assert "e" not in format_number(float(v)), v


def _rate_row(name, k, n, alpha=0.05):
    return metric(name, "validity", k / n, direction="target", target=alpha, ci=wilson_interval(k, n))


def test_target_rows_are_graded_on_whether_their_ci_holds_the_target():
    assert metric_status(_rate_row("t1_ok", 52, 1000)) == "good"          # CI holds 0.05
    assert metric_status(_rate_row("t1_drift", 182, 1000)) == "bad"       # 0.182: far above alpha
    assert metric_status(_rate_row("t1_slightly", 630, 10000)) == "borderline"  # CI misses 0.05, by < 50 %


def test_declared_thresholds_beat_the_share_of_the_bounds():
    # an SE ratio of 0.786 scores 0.476 on bounds (0, 1.5) but is a 21 % precision gain: good
    row = metric("se_ratio", "utility", 0.786, direction="lower", bounds=(0.0, 1.5),
                 details={"grade": {"good": 0.95, "bad": 1.0}})
    assert row.score == pytest.approx(0.476, abs=1e-3) and metric_status(row) == "good"
    worse = metric("se_ratio2", "utility", 1.05, direction="lower", bounds=(0.0, 1.5),
                   details={"grade": {"good": 0.95, "bad": 1.0}})
    assert metric_status(worse) == "bad"


def test_score_grades_and_ungraded_rows():
    assert metric_status(metric("a", "fidelity", 0.9)) == "good"
    assert metric_status(metric("b", "fidelity", 0.6)) == "borderline"
    assert metric_status(metric("c", "fidelity", 0.3)) == "bad"
    assert metric_status(MetricResult.failed("d", "fidelity", "boom")) == "bad"
    assert metric_status(MetricResult.skipped("e", "fidelity", "no holdout")) is None
    assert metric_status(metric("f", "fidelity", 3.0, bounds=(0, math.inf))) is None   # unscored


def test_grade_directions_and_key_number_text():
    assert grade(0.9, good=0.8, bad=0.5) == "good" and grade(0.2, good=0.8, bad=0.5) == "bad"
    assert grade(0.3, good=0.1, bad=0.2, direction="minimize") == "bad"
    with pytest.raises(ValueError):
        grade(0.5, good=0.2, bad=0.8)
    k = KeyNumber("effect", 73.356, unit="cells/mm³", ci=(57.57, 89.14), ci_level=0.9)
    assert k.formatted() == "73.4 cells/mm³ (90% CI 57.6 to 89.1)"
    assert Lead("x", [k, KeyNumber("y", 1, status="bad"), KeyNumber("z", 2, status="good")]).status == "bad"


def _graded_report(gates):
    rep = Report(title="t")
    rep.add(metric("fa", "fidelity", 0.9), metric("ut", "utility", 0.55), metric("pr", "privacy", 0.95),
            metric("va", "validity", 0.85))
    rep.gates = gates
    return rep


def test_headline_lead_names_the_verdict_the_weakest_group_and_the_gates():
    ok = headline_lead(_graded_report([Gate("exact_copies", True, "0 of 100")]))
    assert ok.sentence.startswith("PASS: overall score 0.813")  # (0.9 + 0.55 + 0.95 + 0.85) / 4 and "weakest group is utility (0.55)" in ok.sentence
    assert "every privacy gate passed" in ok.sentence
    labels = {n.label: n for n in ok.numbers}
    assert labels["weakest group: utility"].status == "bad" and labels["privacy gates"].status == "good"
    bad = headline_lead(_graded_report([Gate("membership", False, "AUC 0.8")]))
    assert bad.sentence.startswith("FAIL") and "privacy gate FAILED (membership)" in bad.sentence
    assert {n.label: n for n in bad.numbers}["privacy gates"].status == "bad"


def test_a_report_without_a_lead_answers_with_its_headline_in_every_rendering():
    rep = _graded_report([])
    assert rep.lead is None and rep.answer().sentence.startswith("PASS")
    assert rep.to_dict()["lead"]["sentence"].startswith("PASS")
    assert rep.to_text().splitlines()[2].startswith("PASS: overall score")
    info = Report(title="design", group_weights={"fidelity": 0, "utility": 0, "privacy": 0, "validity": 0})
    assert info.answer().sentence.startswith("No score") and info.answer().numbers == []
