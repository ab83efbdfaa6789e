import json

import pytest

from pharmasynth.datasets import data_dir, moses_file
from pharmasynth.demos.molgen import run_demo


@pytest.mark.slow
def test_quick_demo_writes_everything(tmp_path):
    try:
        moses_file("train"), moses_file("test")
    except Exception:
        pytest.skip(f"the MOSES subset is not shipped in {data_dir() / 'moses'} yet")
    out = run_demo(tmp_path, random_state=0, quick=True)
    for f in ("report.html", "report.json", "generated.smi", "molecules.csv"):
        assert (tmp_path / f).is_file(), f
    assert 0.0 <= out["valid"] <= 1.0 and 0.0 <= out["conditional_success"] <= 1.0
    data = json.loads((tmp_path / "report.json").read_text())
    assert {"valid", "conditional_success"} <= {m["name"] for m in data["metrics"]}
    # the rejection-sampling baseline is a comparator: shown, never averaged into utility
    assert "conditional_success_rejection_sampling" in {m["name"] for m in data["comparators"]}
    assert "conditional_success_rejection_sampling" not in {m["name"] for m in data["metrics"]}
    assert len((tmp_path / "generated.smi").read_text().splitlines()) == 300  # from the shipped prior
    assert out["valid_selfies"] >= 0.97  # the SELFIES prior is valid by construction
    lead = data["lead"]
    assert "moses-smiles" in lead["sentence"] and lead["numbers"][0]["label"] == "valid (moses-smiles)"
    assert lead["numbers"][0]["value"] == pytest.approx(out["valid"])


@pytest.mark.slow
def test_quick_demo_can_still_train_on_the_subset(tmp_path):
    out = run_demo(tmp_path, random_state=0, quick=True, train=True)
    assert 0.0 <= out["valid"] <= 1.0 and "vae_train_s" in out
    assert len((tmp_path / "generated.smi").read_text().splitlines()) == 200
