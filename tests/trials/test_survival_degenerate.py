"""No silent degenerate fit: every bad design is an error naming the columns, every lifelines
convergence problem a typed warning kept with the result (issue 12, item 3)."""

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from pharmasynth.errors import DataError, DataWarning, SchemaError
from pharmasynth.trials.analysis import ancova
from pharmasynth.trials.design_matrix import check_design_matrix
from pharmasynth.trials.survival import cox, logrank_rows, rmst_adjusted
from pharmasynth.trials.workflows import analyze_trial


@pytest.fixture(scope="module")
def rossi():
    return load_rossi()


def test_outcome_among_its_covariates_is_an_error(rossi):
    with pytest.raises(DataError, match=r"\['prio'\] equal the outcome 'prio'"):
        ancova(rossi, "prio", "fin", ["age", "prio"])
    with pytest.raises(DataError, match=r"\['week'\] equal the outcome 'week'"):
        cox(rossi, "week", "arrest", "fin", covariates=["week"])


def test_constant_and_collinear_covariates_are_named(rossi):
    with pytest.raises(DataError, match=r"\['one'\] are constant"):
        ancova(rossi.assign(one=1.0), "prio", "fin", ["age", "one"])
    with pytest.raises(DataError, match=r"\['age2'\] are linear combinations of \['fin', 'age'\]"):
        cox(rossi.assign(age2=2 * rossi.age + 1), "week", "arrest", "fin", covariates=["age", "age2"])
    noisy = rossi.assign(age_b=rossi.age + np.random.default_rng(0).normal(scale=1e-7, size=len(rossi)))
    with pytest.raises(DataError, match="nearly collinear"):
        check_design_matrix(noisy[["age", "age_b"]], "test")


def test_events_in_one_arm_only_is_an_error_not_an_hr_of_zero(rossi):
    one = rossi.assign(arrest=np.where(rossi.fin == 1, 0, rossi.arrest))
    with pytest.raises(DataError, match="no events in the treated arm: the Cox likelihood is monotone"):
        cox(one, "week", "arrest", "fin")
    assert logrank_rows(one, "week", "arrest", "fin").iloc[0].p_value < 1e-6   # the log-rank test still works
    with pytest.raises(DataError, match="monotone"):
        analyze_trial(one, treatment="fin", time="week", event="arrest")


def test_separation_by_a_covariate_is_caught(rossi):
    # every patient with flag = 1 is arrested at week 1, before anyone else: the flag's HR is infinite
    sep = rossi.copy()
    flag = np.zeros(len(sep))
    flag[:15] = 1
    sep.loc[:14, ["week", "arrest"]] = [1, 1]
    sep.loc[15:, "week"] = sep.loc[15:, "week"].clip(lower=2)
    sep["flag"] = flag
    with pytest.warns(DataWarning, match="separation"):   # lifelines' warnings become typed ones, not stderr
        with pytest.raises(DataError, match=r"\['flag'\] have \|log HR\| > 15 .* monotone likelihood \(separation\)"):
            cox(sep, "week", "arrest", "fin", covariates=["flag"])


def test_text_cell_in_numeric_covariate_is_an_error_not_dummies(rossi):
    bad = rossi.assign(age=rossi.age.astype(object))
    bad.loc[5, "age"] = "forty"
    with pytest.raises(SchemaError, match=r"'age' is numeric but row 5 holds 'forty'"):
        ancova(bad, "prio", "fin", ["age"])
    with pytest.raises(SchemaError, match="row 5 holds 'forty'"):
        cox(bad, "week", "arrest", "fin", covariates=["age"])
    # a real categorical covariate still works (dummy-coded)
    cat = rossi.assign(race_txt=np.where(rossi.race == 1, "black", "other"))
    assert cox(cat, "week", "arrest", "fin", covariates=["race_txt"]).terms.shape[0] == 2


def test_duplicate_ids_and_all_censored_are_errors(rossi):
    dup = pd.concat([rossi.assign(pid=np.arange(len(rossi))), rossi.assign(pid=np.arange(len(rossi))).iloc[:3]])
    with pytest.raises(DataError, match="id column 'pid' repeats"):
        analyze_trial(dup, treatment="fin", time="week", event="arrest", id="pid", source="rossi.csv")
    with pytest.raises(DataError, match="rossi.csv: every patient is censored"):
        cox(rossi.assign(arrest=0), "week", "arrest", "fin", source="rossi.csv")
    with pytest.raises(DataError, match="needs at least one covariate"):
        rmst_adjusted(rossi, "week", "arrest", "fin", tau=30.0)


def test_three_arms_error_names_the_cli_flags(rossi):
    three = rossi.assign(fin=rossi.index % 3)
    with pytest.raises(DataError, match="--where"):
        cox(three, "week", "arrest", "fin")
    with pytest.raises(DataError, match="--where"):
        cox(three, "week", "arrest", "fin", treated=1, control=0)


def test_a_stratum_variable_cannot_also_be_a_covariate(rossi):
    with pytest.raises(DataError, match=r"\['wexp'\] do not vary within any stratum of \['wexp'\]"):
        cox(rossi, "week", "arrest", "fin", covariates=["age", "wexp"], strata=["wexp"])
