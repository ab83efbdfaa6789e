"""Sampling in chunks to Parquet: layout, metadata, determinism, and reading the folder back."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pharmasynth.ehr.chunks import read_timeline_folder, sample_to_parquet
from pharmasynth.errors import InputFileError


def test_chunked_parquet_layout_and_metadata(pbc_model, tmp_path):
    meta = sample_to_parquet(pbc_model, 1050, tmp_path / "a", chunk_size=400, amplify={"ascites": 5}, random_state=3)
    assert meta["rows"]["static"] == 1050
    st = pd.read_parquet(tmp_path / "a" / "static.parquet")
    assert st["id"].tolist() == list(range(1, 1051))  # unique ids across chunks
    assert pq.ParquetFile(tmp_path / "a" / "measurements.parquet").num_row_groups == 3
    kv = json.loads(pq.read_schema(tmp_path / "a" / "events.parquet").metadata[b"pharmasynth"])
    assert kv["amplification"] == {"ascites": 5.0} and "NOT the population" in kv["note"]
    side = json.loads((tmp_path / "a" / "sample.json").read_text())
    assert side["amplification"] == {"ascites": 5.0} and side["schema"]["time"] == "day"
    tl = read_timeline_folder(tmp_path / "a")  # validates: the written tables obey the rules
    assert tl.n_patients == 1050 and "amplification" in tl.events


def test_same_seed_same_files_in_process_or_in_batches(pbc_model, tmp_path):
    sample_to_parquet(pbc_model, 500, tmp_path / "a", chunk_size=200, random_state=1, batch=1)
    sample_to_parquet(pbc_model, 500, tmp_path / "b", chunk_size=200, random_state=1, batch=3)
    for name in ("static", "measurements", "events"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "b" / f"{name}.parquet"))


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputFileError, match="no static.parquet"):
        read_timeline_folder(tmp_path)
