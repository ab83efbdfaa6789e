"""Readers on real DICOM/NIfTI files shipped in pydicom and nibabel, plus PNG/NPY and bad input."""

from pathlib import Path
import shutil

import numpy as np
import pytest

from pharmasynth.errors import DataError, InputFileError, SkippedRecordsWarning
from pharmasynth.imaging.io import ImageFolder, ImageManifest, read_slices, scale_intensity

pydicom = pytest.importorskip("pydicom")
nibabel = pytest.importorskip("nibabel")
DCM = Path(pydicom.__file__).parent / "data" / "test_files"
NIB = Path(nibabel.__file__).parent / "tests" / "data"


def test_ct_dicom_in_hounsfield_units():
    frames, modality, idx = read_slices(DCM / "CT_small.dcm")
    ds = pydicom.dcmread(DCM / "CT_small.dcm")
    assert modality == "CT" and idx == [0]
    expected = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_allclose(frames[0], expected)


def test_nifti_volume_becomes_axial_slices_and_4d_needs_an_index():
    frames, _, idx = read_slices(NIB / "anatomical.nii")
    vol = np.asarray(nibabel.load(NIB / "anatomical.nii").dataobj)
    assert len(frames) == vol.shape[2] and idx == list(range(vol.shape[2]))
    with pytest.raises(InputFileError, match="4D"):
        read_slices(NIB / "example4d.nii.gz")
    frames4, _, _ = read_slices(NIB / "example4d.nii.gz", volume_index=0)
    assert len(frames4) == nibabel.load(NIB / "example4d.nii.gz").shape[2]


def test_scaling_maps_to_minus_one_one():
    img = np.linspace(-1000, 1000, 100).reshape(10, 10)
    out = scale_intensity(img, "CT", "soft_tissue")
    assert out.min() == -1 and out.max() == 1
    assert out[0, 0] == -1 and out[-1, -1] == 1   # -1000 HU and +1000 HU outside [-160, 240]


def test_folder_with_png_npy_mixed_sizes_bad_files(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    (tmp_path / "a").mkdir(); (tmp_path / "b").mkdir()
    Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(tmp_path / "a" / "x.png")
    np.save(tmp_path / "a" / "y.npy", rng.normal(size=(3, 20, 20)))
    shutil.copy(DCM / "MR_small.dcm", tmp_path / "b" / "mr.dcm")
    (tmp_path / "b" / "notes.txt").write_text("not an image")
    (tmp_path / "b" / "broken.dcm").write_bytes(b"DICM" + b"\0" * 50)
    with pytest.warns(SkippedRecordsWarning):
        data = ImageFolder(tmp_path, size=16)
    assert data.images.shape == (5, 1, 16, 16) and data.images.dtype == np.float32
    assert data.images.min() >= -1 and data.images.max() <= 1
    assert data.class_names == ["a", "b"] and list(np.bincount(data.labels)) == [4, 1]
    assert {Path(f).name for f, _ in data.skipped} == {"notes.txt", "broken.dcm"}
    with pytest.raises(InputFileError, match="broken.dcm|notes.txt"):
        ImageFolder(tmp_path, size=16, on_error="raise")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty"), pytest.warns(SkippedRecordsWarning):
        ImageFolder(tmp_path, size=16)


def test_manifest(tmp_path):
    shutil.copy(DCM / "CT_small.dcm", tmp_path / "ct.dcm")
    (tmp_path / "m.csv").write_text("path,label,modality\nct.dcm,body,CT\n")
    data = ImageManifest(tmp_path / "m.csv", size=8)
    assert data.images.shape == (1, 1, 8, 8) and data.sources == [(str(tmp_path / "ct.dcm"), 0)]
