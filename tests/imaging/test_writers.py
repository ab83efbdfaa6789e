"""Writers: PNG / NIfTI / DICOM carry the synthetic flag and provenance where their readers look, the
folder reader reads every written image back exactly and once, and the same call writes the same bytes."""

import numpy as np
import pytest
from PIL import Image

from pharmasynth import __version__
from pharmasynth.imaging.datasets import ImageFolder
from pharmasynth.imaging.readers import read_slices
from pharmasynth.imaging.writers import (read_dicom_metadata, read_nifti_metadata, read_png_metadata, write_samples)

IMGS = np.linspace(-1, 1, 3 * 16 * 16, dtype=np.float32).reshape(3, 1, 16, 16)


def _write(tmp_path, **kw):
    args = dict(class_names=["normal", "lesion"], seed=42, model_hash="ab" * 32, guidance=3.0, steps=50,
                sampler="ddim", eta=1.0)
    return write_samples(tmp_path, IMGS, [0, 1, 1], **{**args, **kw})


def test_png_and_nifti_metadata_and_values(tmp_path):
    import nibabel as nib

    paths = _write(tmp_path, format="both")
    assert len(paths) == 6
    png = [p for p in paths if p.suffix == ".png"][1]
    meta = read_png_metadata(png)
    assert meta["synthetic"] == "true" and meta["class"] == "lesion" and meta["seed"] == "42"
    assert meta["model_hash"] == "ab" * 32 and meta["guidance"] == "3.0" and meta["steps"] == "50"
    assert meta["generator"] == "pharmasynth.imaging.ConditionalDiffusion" and meta["generator_version"] == __version__
    assert meta["sampler"] == "ddim" and meta["eta"] == "1.0"
    arr = np.asarray(Image.open(png))
    np.testing.assert_allclose(arr / 127.5 - 1, IMGS[1, 0], atol=1 / 255 + 1e-6)
    nii = [p for p in paths if p.name.endswith(".nii.gz")][0]
    nmeta = read_nifti_metadata(nii)
    assert nmeta["descrip"].startswith(f"synthetic=true gen=pharmasynth-{__version__} class=normal seed=42")
    assert nmeta["class"] == "normal" and nmeta["model_hash"] == "ab" * 32
    assert nib.load(str(nii)).header["intent_name"].item() == b"synthetic"
    np.testing.assert_allclose(nib.load(str(nii)).get_fdata()[:, :, 0], IMGS[0, 0], atol=1e-7)
    assert (tmp_path / "normal" / "synthetic_normal_00000.json").is_file()   # one sidecar per image
    assert not list(tmp_path.rglob("*.part"))  # atomic writes leave no temporaries


def test_dicom_is_marked_synthetic_and_reads_back(tmp_path):
    import pydicom

    paths = _write(tmp_path, format="dicom", modality="MR")
    ds = pydicom.dcmread(paths[1])
    assert list(ds.ImageType) == ["DERIVED", "SECONDARY"] and ds.ConversionType == "SYN"
    assert ds.BurnedInAnnotation == "NO" and ds.Modality == "MR" and ds.PatientID == "SYNTHETIC"
    assert "SYNTHETIC" in ds.SeriesDescription and "seed=42" in ds.ImageComments
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7"                      # Secondary Capture
    meta = read_dicom_metadata(paths[1])
    assert meta["synthetic"] == "true" and meta["class"] == "lesion" and meta["model_hash"] == "ab" * 32
    frames, modality, _ = read_slices(paths[1])
    assert modality == "scaled"                                                # not re-scaled as MR
    np.testing.assert_allclose(frames[0], IMGS[1, 0], atol=1.01 / 65535)
    uids = {pydicom.dcmread(p).SOPInstanceUID for p in paths}
    assert len(uids) == 3


def test_same_call_same_bytes(tmp_path):
    a = _write(tmp_path / "a", format="all")
    b = _write(tmp_path / "b", format="all")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


@pytest.mark.parametrize("fmt, bits, atol", [("png", 8, 1 / 127.5), ("png", 16, 1 / 32767), ("nifti", 8, 1e-7),
                                              ("dicom", 8, 1 / 32767)])
def test_folder_reads_each_written_image_once_and_exactly(tmp_path, fmt, bits, atol):
    _write(tmp_path, format=fmt, bit_depth=bits)
    data = ImageFolder(tmp_path, size=16)
    assert len(data) == 3 and data.class_names == ["lesion", "normal"]       # sidecars ignored
    by_class = {"normal": IMGS[[0]], "lesion": IMGS[[1, 2]]}
    for k, c in enumerate(data.class_names):
        np.testing.assert_allclose(data.images[data.labels == k], by_class[c], atol=atol + 1e-6)


def test_all_formats_are_read_once_from_the_most_exact_file(tmp_path):
    _write(tmp_path, format="all")
    data = ImageFolder(tmp_path, size=16)
    assert len(data) == 3 and len(data.duplicates) == 6
    assert all(src.endswith(".nii.gz") for src, _ in data.sources)
    np.testing.assert_allclose(np.sort(data.images.ravel()), np.sort(IMGS.ravel()), atol=1e-7)
