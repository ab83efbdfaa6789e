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
