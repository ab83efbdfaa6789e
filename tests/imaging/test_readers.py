"""Readers are exact, on real files from other sources than the shipped set where possible:
16-bit PNG (a real 16-bit MR slice from pydicom), singleton 4-D NIfTI (dipy's b0 volume), NIfTI CT
vs MR, non-square images padded or refused, DICOM without a suffix / without pixel data (nibabel's
real Siemens file), MONOCHROME1, (n, 1, H, W) NPY, and bad files with messages naming them."""

import gzip
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

from pharmasynth.errors import DataError, DataWarning, InputFileError
from pharmasynth.imaging.datasets import ImageFolder
from pharmasynth.imaging.io import read_image_file
from pharmasynth.imaging.readers import read_slices

pydicom = pytest.importorskip("pydicom")
nib = pytest.importorskip("nibabel")
DCM = Path(pydicom.__file__).parent / "data" / "test_files"
NICOM = Path(nib.__file__).parent / "nicom" / "tests" / "data"


def _png16(path, arr):
    from PIL import Image

    Image.fromarray(arr.astype(np.uint16)).save(path)


def test_16bit_png_keeps_every_bit(tmp_path):
    mr = pydicom.dcmread(DCM / "MR_small.dcm").pixel_array        # a real 16-bit MR slice
    assert mr.max() > 255                                           # an 8-bit read would clip it
    _png16(tmp_path / "mr.png", mr)
    frames, modality, _ = read_slices(tmp_path / "mr.png")
    np.testing.assert_array_equal(frames[0], mr.astype(np.float32))
    assert modality == "other"
    # min-max scaled from the full range: no saturated pixels beyond the single max/min values
    img = read_image_file(tmp_path / "mr.png", size=64)["images"][0, 0]
    assert np.mean(img >= 1.0 - 1e-6) == pytest.approx(np.mean(mr == mr.max()))


def test_singleton_4d_volume_is_squeezed_and_4d_needs_an_index():
    spec = importlib.util.find_spec("dipy")
    if spec is None:
        pytest.skip("dipy is not installed")
    s0 = Path(spec.submodule_search_locations[0]) / "data" / "files" / "S0_10slices.nii.gz"
    assert nib.load(s0).shape == (128, 128, 10, 1)
    frames, modality, idx = read_slices(s0)
    assert len(frames) == 10 and frames[0].shape == (128, 128) and modality == "MR"
    four_d = Path(nib.__file__).parent / "tests" / "data" / "example4d.nii.gz"
    with pytest.raises(InputFileError, match="volume_index"):
        read_slices(four_d)
    with pytest.raises(InputFileError, match="outside 0..1"):
        read_slices(four_d, volume_index=5)


def test_nifti_ct_is_recognised_and_modality_can_be_forced(tmp_path):
    hu = pydicom.dcmread(DCM / "CT_small.dcm")
    vol = hu.pixel_array * float(hu.RescaleSlope) + float(hu.RescaleIntercept)
    nib.save(nib.Nifti1Image(np.stack([vol, vol], -1).astype(np.float32), np.eye(4)), tmp_path / "ct.nii.gz")
    assert read_slices(tmp_path / "ct.nii.gz")[1] == "CT"
    auto = read_image_file(tmp_path / "ct.nii.gz", size=16)
    forced = read_image_file(tmp_path / "ct.nii.gz", size=16, modality="MR")
    assert auto["modality"] == "CT" and forced["modality"] == "MR" and not forced["guessed"]
    assert not np.allclose(auto["images"], forced["images"])  # HU window vs percentiles


def test_non_square_padded_with_a_warning_or_refused(tmp_path):
    from PIL import Image

    (tmp_path / "a").mkdir()
    arr = np.zeros((20, 40), np.uint8)
    arr[:, :20] = 200                                  # left half bright
    Image.fromarray(arr).save(tmp_path / "a" / "wide.png")
    with pytest.warns(DataWarning, match=r"wide.png, 20x40"):
        data = ImageFolder(tmp_path, size=8)
    img = data.images[0, 0]
    # padded, not stretched: the top and bottom quarter rows are background, the bright half is kept
    assert np.all(img[:2] == -1) and np.all(img[-2:] == -1)
    assert img[4, :4].mean() > 0.9 and img[4, 4:].mean() == -1
    assert data.padded == [(str(tmp_path / "a" / "wide.png"), (20, 40))]
    with pytest.raises(DataError, match=r"wide.png: slices of shape 20x40"):
        ImageFolder(tmp_path, size=8, non_square="error")


def test_dicom_without_suffix_and_without_pixel_data(tmp_path):
    (tmp_path / "mr" / "series").mkdir(parents=True)
    shutil.copy(DCM / "MR_small.dcm", tmp_path / "mr" / "series" / "IM0001")   # no suffix, as scanners write
    frames, modality, _ = read_slices(tmp_path / "mr" / "series" / "IM0001")
    assert modality == "MR" and frames[0].shape == (64, 64)
    with pytest.raises(InputFileError, match="without pixel data"):
        read_slices(NICOM / "csa_slice_norm.dcm")            # a real Siemens header-only file


def test_monochrome1_is_inverted(tmp_path):
    ds = pydicom.dcmread(DCM / "MR_small.dcm")
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.save_as(tmp_path / "m1.dcm")
    normal = read_slices(DCM / "MR_small.dcm")[0][0]
    inverted = read_slices(tmp_path / "m1.dcm")[0][0]
    np.testing.assert_allclose(inverted, normal.max() + normal.min() - normal)


def test_npy_batches_and_bad_files(tmp_path):
    batch = np.random.default_rng(0).uniform(-1, 1, (3, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "b.npy", batch)
    frames, modality, idx = read_slices(tmp_path / "b.npy")
    assert len(frames) == 3 and modality == "scaled" and idx == [0, 1, 2]
    np.testing.assert_array_equal(read_image_file(tmp_path / "b.npy", size=8)["images"], batch)
    np.save(tmp_path / "bad.npy", np.zeros((2, 3, 8, 8)))
    with pytest.raises(InputFileError, match=r"bad.npy: expected .* got shape \(2, 3, 8, 8\)"):
        read_slices(tmp_path / "bad.npy")
    raw = gzip.compress(Path(Path(nib.__file__).parent / "tests" / "data" / "anatomical.nii").read_bytes())
    (tmp_path / "cut.nii.gz").write_bytes(raw[: len(raw) // 2])                # truncated NIfTI
    with pytest.raises(InputFileError, match=r"cut.nii.gz: cannot be read"):
        read_slices(tmp_path / "cut.nii.gz")
    (tmp_path / "x.tif").write_bytes(b"II*\0")
    with pytest.raises(InputFileError, match=r"x.tif: unknown image format '.tif'"):
        read_slices(tmp_path / "x.tif")


def test_folder_errors_name_the_folder(tmp_path):
    with pytest.raises(InputFileError, match="not a folder"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "loose.png").write_bytes(b"")
    with pytest.raises(DataError, match=r"no class sub-folders found .*loose.png"):
        ImageFolder(tmp_path)
