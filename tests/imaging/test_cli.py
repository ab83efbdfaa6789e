"""`pharmasynth imaging ...` on tiny PNG class folders: train, sample (tagged files), evaluate, augment."""

import json

import numpy as np
import pytest
from PIL import Image

from pharmasynth.cli import main
from pharmasynth.imaging import read_nifti_metadata, read_png_metadata


def _folder(root, n_per, seed):
    rng = np.random.default_rng(seed)
    for k, (name, n) in enumerate(n_per.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            img = rng.integers(0, 80, (16, 16)) + (150 if k else 0)
            Image.fromarray(img.astype(np.uint8)).save(root / name / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    data = _folder(tmp / "train", {"normal": 6, "lesion": 3}, 0)
    assert main(["imaging", "train", str(data), "--out", str(tmp / "model"), "--size", "16", "--steps", "2",
                 "--device", "cpu", "--seed", "1"]) == 0
    return tmp


def test_train_writes_a_model(trained):
    cfg = json.loads((trained / "model" / "config.json").read_text())
    assert cfg["class"] == "ConditionalDiffusion" and cfg["params"]["train_steps"] == 2
    assert cfg["params"]["class_names"] == ["lesion", "normal"] and cfg["n_steps"] == 2


def test_sample_writes_tagged_png_and_nifti(trained, capsys):
    out = trained / "samples"
    assert main(["imaging", "sample", str(trained / "model"), "--label", "lesion", "-n", "2", "--steps", "2",
                 "--seed", "5", "--out", str(out)]) == 0
    pngs = sorted((out / "lesion").glob("*.png"))
    assert len(pngs) == 2 and "2 images of 'lesion'" in capsys.readouterr().out
    meta = read_png_metadata(pngs[0])
    cfg = json.loads((trained / "model" / "config.json").read_text())
    assert meta["synthetic"] == "true" and meta["class"] == "lesion" and meta["seed"] == "5"
    assert meta["model_hash"] == cfg["model_hash"] and meta["steps"] == "2" and meta["guidance"] == "3.0"
    assert main(["imaging", "sample", str(trained / "model"), "--label", "normal", "-n", "1", "--steps", "2",
                 "--format", "nifti", "--out", str(trained / "nifti")]) == 0
    nii = list((trained / "nifti" / "normal").glob("*.nii.gz"))
    assert len(nii) == 1 and read_nifti_metadata(nii[0])["class"] == "normal"


def test_unknown_class_is_a_one_line_error(trained, capsys):
    assert main(["imaging", "sample", str(trained / "model"), "--label", "tumour", "--out",
                 str(trained / "x")]) == 1
    assert "unknown class 'tumour'" in capsys.readouterr().err


def test_evaluate_writes_a_report(trained):
    synth = _folder(trained / "synthetic", {"normal": 4}, 7)
    assert main(["imaging", "evaluate", str(trained / "train"), str(synth), "--size", "16",
                 "--out", str(trained / "eval")]) == 0
    rep = json.loads((trained / "eval" / "report.json").read_text())
    names = {m["name"] for m in rep["metrics"]}
    assert {"fid", "ms_ssim_between_synthetic", "near_copy_fraction"} <= names
    assert (trained / "eval" / "report.html").is_file()


@pytest.mark.slow
def test_augment_writes_results_and_report(trained, capsys):
    test = _folder(trained / "test", {"normal": 4, "lesion": 4}, 3)
    assert main(["imaging", "augment", str(trained / "train"), str(test), "--size", "16", "--steps", "1",
                 "--k", "1", "--out", str(trained / "aug")]) == 0
    res = json.loads((trained / "aug" / "augmentation.json").read_text())
    assert res["rare_class"] == "lesion" and res["filter_counts"]["generated"] == 3
    assert (trained / "aug" / "report.html").is_file()
    assert "lesion recall: real-only" in capsys.readouterr().out


def test_help_shows_defaults_and_devices(capsys):
    with pytest.raises(SystemExit):
        main(["imaging", "train", "--help"])
    out = capsys.readouterr().out
    assert "{cpu,cuda,auto}" in out and "(default: 1000)" in out
