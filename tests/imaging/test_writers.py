"""Writers: PNG text chunks and NIfTI header/sidecar carry the synthetic-image metadata."""

import numpy as np
from PIL import Image

from pharmasynth import __version__
from pharmasynth.imaging.writers import read_nifti_metadata, read_png_metadata, write_samples


def test_png_and_nifti_round_trip_metadata(tmp_path):
    import nibabel as nib

    imgs = np.linspace(-1, 1, 2 * 16 * 16, dtype=np.float32).reshape(2, 1, 16, 16)
    paths = write_samples(tmp_path, imgs, [0, 1], class_names=["normal", "lesion"], seed=42,
                          model_hash="ab" * 32, guidance=3.0, steps=50, format="both")
    assert len(paths) == 4
    png = [p for p in paths if p.suffix == ".png"][1]
    meta = read_png_metadata(png)
    assert meta["synthetic"] == "true" and meta["class"] == "lesion" and meta["seed"] == "42"
    assert meta["model_hash"] == "ab" * 32 and meta["guidance"] == "3.0" and meta["steps"] == "50"
    assert meta["pharmasynth_version"] == __version__
    arr = np.asarray(Image.open(png))
    np.testing.assert_allclose(arr / 127.5 - 1, imgs[1, 0], atol=1 / 127.5)
    nii = [p for p in paths if p.name.endswith(".nii.gz")][0]
    nmeta = read_nifti_metadata(nii)
    assert nmeta["descrip"].startswith("synthetic=true class=normal seed=42")
    assert nmeta["class"] == "normal" and nmeta["model_hash"] == "ab" * 32
    np.testing.assert_allclose(nib.load(str(nii)).get_fdata(), imgs[0, 0], atol=1e-6)
    assert not list(tmp_path.rglob("*.part"))  # atomic writes leave no temporaries
