from pharmasynth.evaluation import evaluate, evaluate_gates, metric, wilson_interval
from pharmasynth.evaluation.gates import detection_gate, exact_copies_gate, gates_passed, membership_gate


def _copy_row(k, n, base, n_base):
    return metric("exact_copy_rate", "privacy", k / n, direction="lower", ci=wilson_interval(k, n),
                  details={"n_copies": k, "n_synthetic": n, "base_rate": base, "n_base": n_base})


def test_copies_gate_allows_the_real_base_rate_and_its_noise():
    # a categorical-only table where 5 % of real rows repeat: an independent sample "copies" at 5 %
    assert exact_copies_gate([_copy_row(50, 1000, 0.05, 1000)]).passed is True
    assert exact_copies_gate([_copy_row(70, 1000, 0.05, 1000)]).passed is True    # within both intervals
    g = exact_copies_gate([_copy_row(150, 1000, 0.05, 1000)])
    assert g.passed is False and "15.00%" in g.reason and "reproduces training records" in g.reason
    assert exact_copies_gate([_copy_row(1, 5000, 0.0, 500)]).passed is True       # 0.02 % vs 0 of 500


def test_membership_gate_reads_the_whole_interval():
    def row(name, auc, lo, hi):
        return metric(name, "privacy", auc, direction="target", target=0.5, ci=(lo, hi), score=None)
    assert membership_gate([row("mia_distance_auc", 0.56, 0.50, 0.62)]).passed is True
    g = membership_gate([row("mia_distance_auc", 0.52, 0.47, 0.57), row("mia_domias_auc", 0.60, 0.56, 0.64)])
    assert g.passed is False and "domias" in g.reason
    assert membership_gate([]).passed is None


def test_detection_gate_scales_with_the_sample():
    def row(auc, n):
        return metric("detection_auc", "fidelity", auc, direction="target", target=0.5,
                      notes=f"5-fold CV ROC AUC of gradient boosting telling real from synthetic on {n:,} rows each")
    assert detection_gate([row(0.13, 1069)]).passed is False      # the copying sign
    assert detection_gate([row(0.45, 1069)]).passed is True
    assert detection_gate([row(0.35, 30)]).passed is True         # 4 SE at 30 rows per side is 0.30
    assert detection_gate([row(0.15, 30)]).passed is False


def test_unchecked_and_all_passed():
    gates = evaluate_gates([])
    assert [g.passed for g in gates] == [None, None, None] and gates_passed(gates) is None
    assert all("not checked" in g.reason for g in gates)


def test_copies_fail_the_gates_and_fresh_rows_pass(tables):
    """Issue 11: 100 % copies scored 0.73 overall with exit code 0."""
    real, fresh, holdout = (t.iloc[:300] for t in tables)
    # utility weighted 0 (not needed here, and its bootstrap is the slow part)
    kw = dict(holdout=holdout, random_state=0, plots=False, group_weights={"utility": 0})
    copies = evaluate(real, real.sample(frac=1.0, random_state=1), **kw)
    assert copies.passed is False and copies.headline()["status"] == "fail"
    assert {g.name for g in copies.gates if g.passed is False} == {"exact_copies", "membership", "detection_too_low"}
    good = evaluate(real, fresh, **kw)
    assert good.passed is True and good.headline()["status"] == "pass"
    assert copies.score("privacy") < 0.1 < 0.8 < good.score("privacy")
