"""A twin refuses what would silently corrupt it: a text cell in a numeric baseline column (never
a switch to dozens of categories) and duplicated patient ids."""

import numpy as np
import pandas as pd
import pytest

from pharmasynth.errors import DataError, SchemaError
from pharmasynth.trials.twin import DigitalTwin


def _controls(n=120, seed=0):
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 8, n).round()
    return pd.DataFrame({"pid": np.arange(n), "age": age, "site": rng.choice(["a", "b"], n),
                         "y": 2 + 0.1 * age + rng.normal(size=n)})


def test_text_cell_in_numeric_baseline_is_an_error_naming_row_and_column():
    df = _controls()
    df["age"] = df["age"].astype(object)
    df.loc[17, "age"] = "forty"
    with pytest.raises(SchemaError, match=r"'age' is numeric but row 17 holds 'forty'"):
        DigitalTwin(baseline=["age"], visits=["y"]).fit(df)
    # a genuinely categorical column is still one-hot coded
    twin = DigitalTwin(baseline=["site"], visits=["y"]).fit(_controls())
    assert len(twin.design_.terms) == 1


def test_duplicate_ids_are_an_error():
    df = _controls()
    df.loc[5, "pid"] = 4
    with pytest.raises(DataError, match="id column 'pid' repeats"):
        DigitalTwin(baseline=["age"], visits=["y"], id="pid").fit(df)
    DigitalTwin(baseline=["age"], visits=["y"], id="pid").fit(_controls())   # unique ids fit
