import json
import os

import numpy as np
import pytest

from pharmasynth._util.atomic import atomic_path, atomic_write_json, atomic_write_text


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "report.json"
    atomic_write_json(target, {"a": 1, "nan": float("nan"), "arr": np.arange(3), "x": np.float32(0.5)})
    assert json.loads(target.read_text()) == {"a": 1, "nan": None, "arr": [0, 1, 2], "x": 0.5}
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "report.html"
    atomic_write_text(target, "old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("half of the new rep")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.html"]


def test_atomic_path_for_new_file_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "model.safetensors"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"partial")
            raise RuntimeError("disk full")
    assert not target.exists() and os.listdir(tmp_path) == []
