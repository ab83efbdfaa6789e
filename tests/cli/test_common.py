import pandas as pd
import pytest

from pharmasynth.cli._common import filter_rows, model_class, parse_assignments
from pharmasynth.errors import CheckpointError, DataError, RuleError, UsageError


def test_parse_assignments():
    assert parse_assignments(["race=1", "arm=control", "x=2.5"], "--conditions") == {"race": 1, "arm": "control",
                                                                                    "x": 2.5}
    assert parse_assignments(["qed=0.8"], "--conditions", values="number") == {"qed": 0.8}
    assert parse_assignments(["age=numeric"], "--kinds", values="text") == {"age": "numeric"}
    assert parse_assignments(None, "--kinds") == {}
    with pytest.raises(UsageError, match="--conditions expects NAME=VALUE, got 'race'"):
        parse_assignments(["race"], "--conditions")
    with pytest.raises(UsageError, match="not a number"):
        parse_assignments(["qed=high"], "--conditions", values="number")


def test_filter_rows_and_model_class(tmp_path):
    df = pd.DataFrame({"arm": [0, 1, 1], "x": [1.0, 2.0, 3.0]})
    assert filter_rows(df, "arm == 1", "t.csv")["x"].tolist() == [2.0, 3.0]
    assert filter_rows(df, None, "t.csv") is df
    with pytest.raises(DataError, match="keeps no row of t.csv"):
        filter_rows(df, "arm == 5", "t.csv")
    with pytest.raises(RuleError, match="--where 'arm =='"):
        filter_rows(df, "arm ==", "t.csv")
    with pytest.raises(CheckpointError, match="pharmasynth trials fit"):
        model_class(tmp_path, "pharmasynth trials fit")


def test_csv_line_hint_is_added_even_when_the_message_says_baseline():
    import pytest

    from pharmasynth.cli._common import with_csv_lines
    from pharmasynth.errors import DataError

    @with_csv_lines
    def fails(message):
        raise DataError(message)

    with pytest.raises(DataError, match=r"line N \+ 2"):
        fails("baseline covariate(s) ['cd40'] missing at row 5")
    with pytest.raises(DataError) as exc:
        fails("bad value at row 5 (line 7)")
    assert "line N + 2" not in str(exc.value)
