"""The imaging demo runs from the shipped weights; the weights are small, loadable and documented."""

import json

import numpy as np
import pytest

from pharmasynth.errors import UsageError
from pharmasynth.imaging import ConditionalDiffusion
from pharmasynth.imaging.pretrained import pretrained_path


def test_shipped_weights_load_and_are_documented():
    path = pretrained_path("shipped32")
    assert (path / "model.safetensors").stat().st_size <= 10 * 2**20
    card = (path / "MODEL_CARD.md").read_text()
    for word in ("Training data", "steps", "wall time", "Hardware", "Targets"):
        assert word in card, word
    model = ConditionalDiffusion.load(path)
    assert model.class_names == ["brain_epi", "brain_t1", "lesion"] and model.image_size == 32
    assert model.intensity_stats_ is not None and model.n_steps_ >= 500
    with pytest.raises(UsageError, match="no shipped weights named 'brain64'"):
        pretrained_path("brain64")


@pytest.mark.filterwarnings("ignore::pharmasynth.imaging.augment.FewSeedsWarning")
def test_quick_demo_from_the_shipped_weights(tmp_path):
    from pharmasynth.demos.imaging import run_demo

    figures = run_demo(tmp_path, quick=True)
    assert figures["lesions_generated"] == 16
    assert all(isinstance(v, (int, float)) for v in figures.values())
    rep = json.loads((tmp_path / "report.json").read_text())
    assert rep["lead"]["numbers"][0]["label"].startswith("lesion recall, real only")
    aug = json.loads((tmp_path / "augmentation.json").read_text())
    assert aug["real_plus_oracle"] is not None
    assert (aug["fraction_of_oracle_gain"] is None) == (figures["lesions_kept"] == 0)
    assert not (tmp_path / "generator").exists()  # the shipped weights are not copied
    if figures["lesions_kept"]:
        assert np.load(tmp_path / "synthetic_kept.npz")["images"].shape == (figures["lesions_kept"], 1, 32, 32)
    # the judge's own accuracy on held-out real images stands beside its placement of the synthetic lesions,
    # in the figures, the augmentation JSON, the CSV and the report's lead
    for key in ("judge_sensitivity_heldout_real_lesions", "judge_specificity_heldout_real_t1",
                "lesion_placed_in_class_all_generated"):
        assert 0 <= figures[key] <= 1, key
    judge = aug["settings"]["fidelity_judge"]
    assert judge["n_heldout_real_lesions"] == 12 and judge["n_heldout_real_t1"] == 10
    assert judge["sensitivity_heldout_real_lesions"] == figures["judge_sensitivity_heldout_real_lesions"]
    last = rep["lead"]["numbers"][-1]
    assert "real-only judge" in last["label"] and "sensitivity" in last["note"] and "specificity" in last["note"]
    if figures["lesions_kept"]:
        import pandas as pd

        row = pd.read_csv(tmp_path / "lesion_fidelity.csv").iloc[0]
        assert row["n_generated"] == 16
        assert row["placed_in_class_generated"] == figures["lesion_placed_in_class_all_generated"]
        assert {"judge_specificity", "judge_specificity_vs_brain_t1", "placed_in_class_noise"} <= set(row.index)
