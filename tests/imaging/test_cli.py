"""`pharmasynth imaging ...` end to end on tiny settings (16 x 16, a 2-level U-Net, a few steps):
shipped -> train -> sample (PNG / NIfTI / DICOM) -> evaluate reads the samples back once each;
a killed training run resumes to the same weights; deprecated spellings warn; clear errors."""

import json
import warnings

import numpy as np
import pytest

from pharmasynth.cli import main
from pharmasynth.imaging.readers import read_slices
from pharmasynth.imaging.writers import read_dicom_metadata, read_nifti_metadata, read_png_metadata

TINY = ["--size", "16", "--channels", "8", "8", "--batch-size", "8"]


# one torch thread for every imaging test: tests/imaging/conftest.py


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    assert main(["imaging", "shipped", "--out", str(tmp / "shipped"), "--size", "16"]) == 0
    assert main(["imaging", "train", str(tmp / "shipped" / "train"), "--out", str(tmp / "model"), *TINY,
                 "--train-steps", "3", "--checkpoint-every", "2", "--seed", "1"]) == 0
    return tmp


def test_shipped_and_train(run, capsys):
    assert (run / "shipped" / "sources.csv").is_file()
    assert sorted(p.name for p in (run / "shipped" / "train").iterdir()) == ["brain_epi", "brain_t1", "lesion"]
    cfg = json.loads((run / "model" / "config.json").read_text())
    assert cfg["class"] == "ConditionalDiffusion" and cfg["params"]["train_steps"] == 3 and cfg["n_steps"] == 3
    assert cfg["params"]["class_names"] == ["brain_epi", "brain_t1", "lesion"]
    assert (run / "model" / "checkpoints" / "checkpoint.pt").is_file()


def test_sample_writes_every_format_and_evaluate_reads_each_image_once(run, capsys):
    out = run / "samples"
    assert main(["imaging", "sample", str(run / "model"), "--label", "lesion", "brain_t1", "--n", "3",
                 "--sample-steps", "2", "--seed", "5", "--format", "png", "nifti", "dicom", "--modality", "MR",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 images of 'lesion'" in printed and "seed 5" in printed and "seed 6" in printed
    pngs = sorted((out / "lesion").glob("*.png"))
    assert len(pngs) == 3 and len(list((out / "lesion").glob("*.json"))) == 3
    cfg = json.loads((run / "model" / "config.json").read_text())
    meta = read_png_metadata(pngs[0])
    assert meta["synthetic"] == "true" and meta["class"] == "lesion" and meta["seed"] == "5"
    assert meta["model_hash"] == cfg["model_hash"] and meta["steps"] == "2" and meta["guidance"] == "3.0"
    assert meta["sampler"] == "ddim" and meta["eta"] == "1.0" and meta["generator_version"]
    assert read_nifti_metadata(out / "brain_t1" / "synthetic_brain_t1_00000.nii.gz")["descrip"].startswith(
        "synthetic=true")
    dmeta = read_dicom_metadata(out / "lesion" / "synthetic_lesion_00000.dcm")
    assert dmeta["ConversionType"] == "SYN" and dmeta["seed"] == "5"
    # the three formats hold the same image
    a = read_slices(out / "lesion" / "synthetic_lesion_00001.nii.gz")[0][0]
    b = read_slices(out / "lesion" / "synthetic_lesion_00001.dcm")[0][0]
    np.testing.assert_allclose(a, b, atol=1 / 32767)
    assert main(["imaging", "evaluate", str(run / "shipped" / "test"), str(out), "--size", "16",
                 "--out", str(run / "eval")]) == 0
    printed = capsys.readouterr().out
    assert "synthetic images" in printed and ": 6 images of 16x16 in 2 classes (brain_t1 3, lesion 3)" in printed
    rep = json.loads((run / "eval" / "report.json").read_text())
    assert {"fid", "near_copy_fraction"} <= {m["name"] for m in rep["metrics"]}


def test_deprecated_spellings_warn_and_mean_the_same(run):
    new = ["imaging", "sample", str(run / "model"), "--label", "lesion", "--n", "1", "--sample-steps", "2",
           "--guidance-scale", "2.0", "--out", str(run / "new")]
    old = ["imaging", "sample", str(run / "model"), "--label", "lesion", "-n", "1", "--steps", "2",
           "--guidance", "2.0", "--out", str(run / "old")]
    assert main(new) == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(old) == 0
    said = " ".join(str(w.message) for w in caught if issubclass(w.category, FutureWarning))
    for old_name, new_name in (("-n", "--n"), ("--steps", "--sample-steps"), ("--guidance", "--guidance-scale")):
        assert f"{old_name} is deprecated and will be removed in the next release; use {new_name}" in said
    f = "lesion/synthetic_lesion_00000.png"
    assert main(new) == 1                                       # never mixed with an earlier run's files
    assert main(new + ["--overwrite"]) == 0
    assert (run / "new" / f).read_bytes() == (run / "old" / f).read_bytes()
    with pytest.warns(FutureWarning, match="--resume is deprecated"):
        with pytest.warns(FutureWarning, match="--steps is deprecated.*--train-steps"):
            assert main(["imaging", "train", str(run / "shipped" / "train"), "--out", str(run / "model"), *TINY,
                         "--steps", "3", "--checkpoint-every", "2", "--seed", "1", "--resume"]) == 0


def test_a_killed_run_resumes_to_the_same_weights(run, monkeypatch, capsys):
    import pharmasynth.imaging.diffusion as diffusion

    cmd = ["imaging", "train", str(run / "shipped" / "train"), *TINY, "--train-steps", "4",
           "--checkpoint-every", "2", "--seed", "3"]
    assert main(cmd + ["--out", str(run / "whole")]) == 0
    real_step, calls = diffusion.training_step, {"n": 0}

    def killed_at_step_3(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(diffusion, "training_step", killed_at_step_3)
    assert main(cmd + ["--out", str(run / "killed")]) == 130
    assert "the last checkpoint is at step 2" in capsys.readouterr().out
    monkeypatch.setattr(diffusion, "training_step", real_step)
    assert main(cmd + ["--out", str(run / "killed")]) == 0
    assert "resuming from" in capsys.readouterr().out
    whole = json.loads((run / "whole" / "config.json").read_text())["model_hash"]
    assert json.loads((run / "killed" / "config.json").read_text())["model_hash"] == whole


def test_clear_errors(run, capsys):
    train = str(run / "shipped" / "train")
    assert main(["imaging", "train", train, "--size", "30", "--out", str(run / "x")]) == 1
    err = capsys.readouterr().err
    assert "--size 30" in err and "multiple of 4" in err and "Traceback" not in err
    assert main(["imaging", "sample", str(run / "model"), "--label", "tumour", "--out", str(run / "x")]) == 1
    assert "unknown class 'tumour'" in capsys.readouterr().err
    assert main(["imaging", "sample", str(run / "nowhere"), "--out", str(run / "x")]) == 1
    assert "no such model folder" in capsys.readouterr().err
    (run / "odd" / "tumour").mkdir(parents=True)
    (run / "odd" / "tumour" / "a.npy").write_bytes(b"")
    np.save(run / "odd" / "tumour" / "a.npy", np.zeros((16, 16), np.float32))
    assert main(["imaging", "evaluate", train, str(run / "odd"), "--size", "16", "--out", str(run / "x")]) == 1
    assert "not classes of the real folder" in capsys.readouterr().err
    (run / "empty" / "a").mkdir(parents=True)
    assert main(["imaging", "train", str(run / "empty"), *TINY, "--out", str(run / "x")]) == 1
    assert "no readable images" in capsys.readouterr().err


def test_help_is_complete(capsys):
    for verb in ("shipped", "train", "sample", "evaluate", "augment"):
        with pytest.raises(SystemExit):
            main(["imaging", verb, "--help"])
        out = capsys.readouterr().out
        assert "examples" in out and f"pharmasynth imaging {verb} " in out, verb
        assert "(default: " in out, verb
        if verb in ("train", "sample", "augment"):
            assert "--device {cpu,cuda,auto}" in out, verb
        if verb in ("train", "evaluate", "augment"):
            assert "one sub-folder per class" in out and "--modality {auto,CT,MR,other}" in out, verb
            assert "--on-error {skip,fail}" in out and "--volume-index" in out, verb
    with pytest.raises(SystemExit):
        main(["imaging", "sample", "--help"])
    out = capsys.readouterr().out
    for option in ("--sampler {ddpm,ddim}", "--eta", "--sample-steps", "--guidance-scale", "--n N", "--seed N",
                   "--out DIR", "--format"):
        assert option in out, option


def test_cli_defaults_are_the_library_defaults():
    from pharmasynth.cli import imaging as cli
    from pharmasynth.imaging import samplers

    assert cli.SAMPLERS == samplers.SAMPLERS and cli.DEFAULT_SAMPLER == samplers.DEFAULT_SAMPLER
    assert cli.DEFAULT_ETA == samplers.DEFAULT_ETA and cli.DEFAULT_SAMPLE_STEPS == samplers.DEFAULT_SAMPLE_STEPS
    from pharmasynth.imaging.io import CT_WINDOWS, MODALITIES

    assert tuple(cli.CT_WINDOWS) == tuple(CT_WINDOWS) and tuple(cli.READ_MODALITIES) == MODALITIES


@pytest.mark.slow
def test_augment_infers_the_rare_class_and_says_so(run, capsys):
    assert main(["imaging", "augment", str(run / "shipped" / "train"), str(run / "shipped" / "test"), *TINY,
                 "--train-steps", "2", "--sample-steps", "2", "--k", "1", "--seeds", "2", "--bootstrap", "20",
                 "--classifier-epochs", "1", "--oracle", "shipped",
                 "--out", str(run / "aug")]) == 0
    out = capsys.readouterr().out
    assert "rare class: 'lesion' (inferred: the smallest class" in out
    res = json.loads((run / "aug" / "augmentation.json").read_text())
    assert res["rare_class"] == "lesion" and res["filter_counts"]["generated"] == 4
    assert res["real_plus_oracle"] is not None and "fraction_of_oracle_gain" in res
    assert (run / "aug" / "report.html").is_file() and (run / "aug" / "generator" / "config.json").is_file()
