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
    with pytest.raises(SchemaError, match=r"synth\.csv: column 'x' should be numeric but row 7 \(line 9\) holds 'n/a \(lab closed\)'"):
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


# --- the quiet failures of issue 11: each now a clear message or a stated handling
def test_one_text_cell_in_a_real_numeric_column_is_named_not_a_silent_category(tables):
    real, syn, _ = _small(tables)
    real = real.astype({"x": object})
    real.loc[17, "x"] = "unknown"
    with pytest.raises(SchemaError, match=r"real table: column 'x' holds numbers except row 17 \('unknown'\)"):
        align_tables(real, syn)


def test_a_one_row_real_table_is_refused(tables):
    real, syn, _ = _small(tables)
    with pytest.raises(DataError, match=r"real table has 1 row\(s\); scoring needs at least 10"):
        evaluate(real.iloc[:1], syn)


@pytest.mark.parametrize("role", ["real", "synthetic"])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e308])
def test_infinite_or_overflowing_numbers_are_named_by_table_row_and_column(tables, role, bad):
    real, syn, _ = _small(tables)
    (real if role == "real" else syn).loc[11, "y"] = bad
    with pytest.raises(SchemaError, match=rf"{role} table: column 'y' row 11 holds .*finite"):
        align_tables(real, syn)


def test_yes_no_synthetic_target_against_real_0_1_is_recoded_with_a_warning(tables):
    real, syn, holdout = _small(tables)
    real = real.assign(event=(real["x"] > 0).astype(int))
    holdout = holdout.assign(event=(holdout["x"] > 0).astype(int))
    syn = syn.assign(event=np.where(syn["x"] > 0, "yes", "no"))
    with pytest.warns(DataWarning, match=r"'event' is coded \['no', 'yes'\].*recoded"):
        r, s, h, schema = align_tables(real, syn, holdout)
    assert set(s["event"]) == {"0", "1"} and (s["event"] == np.where(syn["x"] > 0, "1", "0")).all()
    from pharmasynth.evaluation import utility_metrics

    rows = {m.name: m for m in utility_metrics(r, s, h, schema, target="event", n_boot=20)}
    assert rows["utility_loss_percent"].status == "ok"
    with pytest.raises(SchemaError, match=r"synthetic table's column 'event' shares no value"):
        align_tables(real, syn.assign(event=np.where(syn["x"] > 0, "high", "low")))


def test_duplicate_columns_are_blamed_on_the_real_table(tmp_path, tables):
    real, syn, _ = _small(tables)
    dup = pd.concat([real, real[["x"]]], axis=1)
    with pytest.raises(SchemaError, match=r"the real table: column name\(s\) \['x'\] appear more than once"):
        align_tables(dup, syn)
    dup.to_csv(tmp_path / "real.csv", index=False)
    with pytest.raises(InputFileError, match=r"real file .*real\.csv: the header repeats column name\(s\) \['x'\]"):
        read_table(tmp_path / "real.csv", role="real")


def test_one_hundred_thousand_distinct_codes_reach_every_model(tables):
    """A many-level column: exact codes for shapes, top 254 + 'other' for gradient boosting
    (whose limit is 255 categories); the detection model runs and sees through a shuffled code."""
    from pharmasynth.evaluation.fidelity import detection_auc, tv_complement
    from pharmasynth.evaluation.tabular import encode_for_model

    rng = np.random.default_rng(3)
    n = 100_000
    codes = np.array([f"C{i:06d}" for i in range(n)])
    real = pd.DataFrame({"code": codes[rng.permutation(n)], "x": rng.normal(size=n)})
    syn = pd.DataFrame({"code": codes[rng.permutation(n)], "x": rng.normal(size=n)})
    r, s, _, schema = align_tables(real, syn)
    assert "code" in schema.excluded  # 100,000 unique accession-like codes are an identifier, not a category
    many = pd.DataFrame({"code": rng.choice(codes[:20_000], n), "x": rng.normal(size=n)})
    r, s, _, schema = align_tables(many, many.sample(frac=1, random_state=1))
    assert schema.kinds["code"] == "categorical" and schema.levels["code"] > 15_000
    assert "254 most frequent" in schema.describe().set_index("column").loc["code", "treatment"]
    xr, xs = encode_for_model([r, s], schema)
    assert np.nanmax(xr[:, 0]) == 254 and np.nanmax(xs[:, 0]) == 254
    assert tv_complement(r["code"], s["code"]) == 1.0  # exact values for the shape metric
    auc, _, _ = detection_auc(r.iloc[:3000], s.iloc[:3000], schema, random_state=0, n_splits=2)
    assert 0.4 < auc < 0.6
