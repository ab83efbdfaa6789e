import pandas as pd
import pytest

from pharmasynth.datasets import actg175_rules_path, data_dir, load_actg175, load_gbsg2, moses_file
from pharmasynth.errors import InputFileError


def test_loaders_fall_back_to_lifelines_copy(monkeypatch, tmp_path):
    shipped_actg, shipped_gbsg = load_actg175(), load_gbsg2()
    monkeypatch.setenv("PHARMASYNTH_DATA", str(tmp_path))  # as if installed without the repository
    actg, gbsg = load_actg175(), load_gbsg2()
    assert "lifelines" in actg.attrs["source"] and "lifelines" in gbsg.attrs["source"]
    pd.testing.assert_frame_equal(actg, shipped_actg, check_dtype=False)
    pd.testing.assert_frame_equal(gbsg, shipped_gbsg, check_dtype=False)


def test_data_dir_and_files_of_the_checkout():
    assert (data_dir() / "README.md").is_file()
    assert actg175_rules_path().name == "rules.toml"
    assert moses_file("train").name == "train.smi.gz"
    assert "pidnum" not in load_actg175(drop_id=True).columns


def test_missing_moses_file_names_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("PHARMASYNTH_DATA", str(tmp_path))
    with pytest.raises(InputFileError, match="no MOSES 'train' file"):
        moses_file("train")
    assert actg175_rules_path() is None
