import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import RuleError, RuleWarning
from pharmasynth.evaluation import Rule, RuleSet


@pytest.fixture
def patients():
    return pd.DataFrame({
        "age": [30, 17, 95, 50, np.nan],
        "sex": ["F", "M", "M", "F", "M"],
        "pregnant": [1, 1, 0, 0, 0],
        "sbp": [120, 130, 110, 90, 150],
        "dbp": [80, 140, 70, 60, 90],
        "enrolled": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01"]),
        "visit": pd.to_datetime(["2020-02-01", "2020-01-15", "2020-04-01", None, "2020-06-01"]),
    })


def _viol(expr, df, kind="require"):
    return Rule("r", expr, kind).violations(df).tolist()


def test_range_between_and_null_semantics(patients):
    # missing age is unknown: not counted as a violation of a "require" rule ...
    assert _viol("age between 18 and 90", patients) == [False, True, True, False, False]
    # ... unless presence is required explicitly
    assert _viol("age is not null and age >= 18", patients) == [False, True, False, False, True]
    assert _viol("age is null", patients, "forbid") == [False, False, False, False, True]


def test_inequality_between_columns_and_arithmetic(patients):
    assert _viol("sbp > dbp", patients) == [False, True, False, False, False]
    assert _viol("sbp - dbp >= 30 * 1", patients) == [False, True, False, False, False]
    assert _viol("(sbp + 2 * dbp) / 3 < 110", patients) == [False, True, False, False, True]


def test_forbidden_combination_and_membership(patients):
    assert _viol('sex == "M" and pregnant == 1', patients, "forbid") == [False, True, False, False, False]
    assert _viol('sex in ["F", "M"]', patients) == [False] * 5
    assert _viol("sex not in ['F']", patients) == [True, False, False, True, False]
    assert _viol("not (sex == 'F') or pregnant == 0", patients) == [True, False, False, False, False]


def test_date_order_and_date_literals(patients):
    # the missing visit (row 3) is unknown, not a violation
    assert _viol("date(visit) >= date(enrolled)", patients) == [False, True, False, False, False]
    assert _viol('visit < date("2020-05-15")', patients) == [False, False, False, False, True]


def test_ruleset_api(patients):
    rs = RuleSet(["age between 18 and 90", Rule("no_pregnant_men", 'sex == "M" and pregnant == 1', "forbid")])
    v = rs.violations(patients)
    assert list(v.columns) == ["rule_1", "no_pregnant_men"] and v.dtypes.eq(bool).all()
    assert rs.valid_mask(patients).tolist() == [True, False, False, True, True]
    with pytest.raises(RuleError, match="'rule_1'.*'age'"):
        rs.check_columns(["sex", "pregnant"])


def test_metrics_rate_examples_and_real_data_check(patients):
    rs = RuleSet.from_dict({"rules": [
        {"name": "adult", "require": "age between 18 and 90"},
        {"name": "sbp_over_dbp", "require": "sbp > dbp"},
    ]})
    real = patients.iloc[[0, 2, 3, 4]]      # breaks "adult" (95 years), never sbp > dbp
    syn = patients
    with pytest.warns(RuleWarning, match="adult"):
        ms = {m.name: m for m in rs.metrics(real, syn)}
    adult, bp = ms["rule:adult"], ms["rule:sbp_over_dbp"]
    assert adult.value == pytest.approx(2 / 5) and adult.score is None and "REAL" in adult.notes
    assert bp.value == pytest.approx(1 / 5) and bp.score == pytest.approx(0.8)
    assert bp.details["example_rows"][0]["row"] == 1 and bp.details["example_rows"][0]["sbp"] == 130
    assert ms["rows_valid"].value == pytest.approx(3 / 5)


def test_from_toml_and_yaml(tmp_path, patients):
    (tmp_path / "r.toml").write_text('[[rules]]\nname = "adult"\nrequire = "age >= 18"\n'
                                     '[[rules]]\nname = "men"\nforbid = \'sex == "M" and pregnant == 1\'\n')
    (tmp_path / "r.yaml").write_text("rules:\n  - name: adult\n    require: age >= 18\n"
                                     "  - name: men\n    forbid: sex == \"M\" and pregnant == 1\n")
    a = RuleSet.from_file(tmp_path / "r.toml").violations(patients)
    b = RuleSet.from_file(tmp_path / "r.yaml").violations(patients)
    pd.testing.assert_frame_equal(a, b)
    assert a["men"].tolist() == [False, True, False, False, False]


def test_actg175_rules_hold_on_the_real_data():
    """The shipped rules file parses, names real columns, and the real trial data keep it
    (except where the real data genuinely break a rule, which is then flagged)."""
    from pharmasynth.datasets import actg175_rules_path, load_actg175

    df = load_actg175(drop_id=True)
    rs = RuleSet.from_file(actg175_rules_path())
    rs.check_columns(df.columns)
    rates = rs.violations(df).mean()
    assert (rates < 0.01).all(), rates


def test_violation_rates_carry_wilson_intervals_even_at_zero_and_all():
    """Issue 11: 0 violations in 1,069 rows showed [0.000, 5.99e-08] (a Wald interval with a 1e-12 floor)."""
    import pandas as pd
    from statsmodels.stats.proportion import proportion_confint

    from pharmasynth.evaluation import RuleSet

    real = pd.DataFrame({"age": [20, 30, 40, 50], "dose": [1, 2, 3, 4]})
    syn = pd.DataFrame({"age": [25] * 1069, "dose": [5] * 1069})
    rules = RuleSet([{"name": "ok", "require": "age between 18 and 90"}, {"name": "never", "require": "dose < 5"}])
    rows = {m.name: m for m in rules.metrics(real, syn)}
    ok, never = rows["rule:ok"], rows["rule:never"]
    assert ok.value == 0 and ok.ci == pytest.approx(proportion_confint(0, 1069, method="wilson"), abs=1e-12)
    assert ok.ci[1] == pytest.approx(0.00358, abs=1e-5)
    assert never.value == 1 and never.ci[1] == 1.0 and never.ci[0] == pytest.approx(1 - 0.00358, abs=1e-5)
    assert rows["rows_valid"].value == 0 and rows["rows_valid"].ci[0] == 0.0 and rows["rows_valid"].ci[1] > 0
