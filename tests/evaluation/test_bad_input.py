"""Each bad input gets a clear error (or a warning where going on is right) naming the file,
column or rule and what was expected."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataError, DataWarning, InputFileError, RuleError, SchemaError
from pharmasynth.evaluation import RuleSet, evaluate, read_table
from pharmasynth.evaluation.tabular import align_tables


def _small(tables, n=200):
    real, fresh, holdout = tables
    return real.iloc[:n].copy(), fresh.iloc[:n].copy(), holdout.iloc[:n].copy()


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputFileError, match=r"empty\.csv.*empty"):
        read_table(tmp_path / "empty.csv", role="real")
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(InputFileError, match=r"header\.csv.*no rows"):
        read_table(tmp_path / "header.csv", role="synthetic")
    with pytest.raises(InputFileError, match="missing.csv.*does not exist"):
        read_table(tmp_path / "missing.csv")


def test_different_columns(tables):
    real, syn, _ = _small(tables)
    with pytest.raises(SchemaError, match=r"synthetic.*missing \['site'\]"):
        align_tables(real, syn.drop(columns="site"))
    with pytest.raises(SchemaError, match=r"unexpected \['extra'\]"):
        align_tables(real, syn.assign(extra=1))


def test_text_in_numeric_column_names_file_row_and_column(tmp_path, tables):
    real, syn, _ = _small(tables)
    syn = syn.astype({"x": object})
    syn.loc[7, "x"] = "n/a (lab closed)"
    syn.to_csv(tmp_path / "synth.csv", index=False)
    syn = read_table(tmp_path / "synth.csv", role="synthetic")
    with pytest.raises(SchemaError, match=r"synth\.csv: column 'x' should be numeric but row 7 holds 'n/a \(lab closed\)'"):
        align_tables(real, syn)


def test_different_type_dates(tables):
    real, syn, _ = _small(tables)
    syn = syn.astype({"when": object})
    syn.loc[3, "when"] = "yesterday"
    with pytest.raises(SchemaError, match=r"column 'when' should hold dates but row 3 holds 'yesterday'"):
        align_tables(real, syn)


def test_all_nan_column(tables):
    real, syn, _ = _small(tables)
    with pytest.raises(DataError, match="column 'y'.*entirely missing"):
        align_tables(real.assign(y=np.nan), syn)
    with pytest.warns(DataWarning, match="column 'y' is entirely missing in the synthetic"):
        align_tables(real, syn.assign(y=np.nan))


def test_holdout_overlapping_training_warns(tables):
    real, syn, holdout = _small(tables)
    leaky = pd.concat([real.iloc[:100], holdout.iloc[:100]])
    with pytest.warns(DataWarning, match="50.0% of holdout rows also appear in the real"):
        align_tables(real, syn, leaky)


def test_rule_naming_unknown_column(tables):
    real, syn, _ = _small(tables)
    with pytest.raises(RuleError, match=r"rule 'adult'.*unknown column\(s\) \['age'\]"):
        evaluate(real, syn, rules={"rules": [{"name": "adult", "require": "age >= 18"}]})


def test_malformed_rules_file(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rules]]\nname = "adult"\nrequire = "age >= 18\n')   # unterminated string, line 3
    with pytest.raises(RuleError, match=r"rules\.toml.*malformed TOML.*line 3"):
        RuleSet.from_file(bad)
    bad.write_text('[[rules]]\nname = "adult"\nrequire = "age >= >= 18"\n')
    with pytest.raises(RuleError, match=r"rule 'adult' in .*rules\.toml.*cannot parse"):
        RuleSet.from_file(bad)
    bad.write_text('[[rules]]\nname = "adult"\nmust = "age >= 18"\n')
    with pytest.raises(RuleError, match=r"rule 'adult'.*exactly one of 'require' or 'forbid'"):
        RuleSet.from_file(bad)
    yml = tmp_path / "rules.yaml"
    yml.write_text("rules:\n  - name: a\n    require: [unclosed\n")
    with pytest.raises(RuleError, match=r"(?s)rules\.yaml.*malformed YAML.*line 3"):
        RuleSet.from_file(yml)


def test_constant_target(tables):
    real, syn, holdout = _small(tables)
    with pytest.raises(DataError, match="'site' is constant"):
        from pharmasynth.evaluation import utility_metrics

        r, s, h, schema = align_tables(real.assign(site="a"), syn, holdout)
        utility_metrics(r, s, h, schema, target="site")


def test_unknown_target_or_sensitive_column(tables):
    real, syn, holdout = _small(tables)
    with pytest.raises(SchemaError, match="target column 'outcome'"):
        evaluate(real, syn, holdout=holdout, target="outcome")
    with pytest.raises(SchemaError, match="sensitive column 'race'"):
        evaluate(real, syn, holdout=holdout, sensitive=["race"])
