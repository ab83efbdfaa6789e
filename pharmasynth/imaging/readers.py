"""Reading one image file into 2D slices: DICOM, NIfTI, PNG and NPY, exactly as stored.

`read_slices(path)` -> (frames, modality, slice indices). The modality decides the intensity scaling
later (`io.scale_intensity`):
    "CT" / "MR"  from the DICOM Modality tag; for NIfTI guessed from the values (CT when the volume
                 holds Hounsfield-like air values below -500, else MR) unless the caller says which
    "scaled"     a file pharmasynth wrote in its own [-1, 1] scale (the PNG text chunk
                 `pharmasynth_scale`, the NIfTI `descrip` tag, the DICOM private block or
                 ImageComments): read back as is, so `imaging sample` output is evaluated exactly
    "other"      everything else (PNG, NPY): min-max
Exactness: 16-bit PNGs keep their 16 bits (never converted to 8-bit grey); DICOM rescale slope and
intercept are applied and MONOCHROME1 is inverted; singleton dimensions of a 4-D NIfTI are squeezed;
a DICOM file without a `.dcm` suffix is recognised by its "DICM" preamble; NPY files are read with
allow_pickle=False. Every error names the file and what was expected.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputFileError

IMAGE_SUFFIXES = (".dcm", ".nii", ".nii.gz", ".png", ".npy")
SIDECAR_SUFFIXES = (".json",)
#: the PNG text key / NIfTI descrip prefix / DICOM private creator of files pharmasynth wrote
SCALE_KEY = "pharmasynth_scale"
PRIVATE_CREATOR = "PHARMASYNTH"
PRIVATE_GROUP = 0x0011
# Hounsfield air is -1000; MR magnitude images are never below 0
CT_AIR_THRESHOLD = -500.0


def suffix_of(path) -> str:
    """The image suffix of a path (".nii.gz" counts as one)."""
    name = Path(path).name.lower()
    if name.endswith(".nii.gz"):
        return ".nii.gz"
    return Path(name).suffix


def stem_of(path) -> str:
    """The name without its image suffix ("a.nii.gz" -> "a")."""
    name = Path(path).name
    suf = suffix_of(path)
    return name[: -len(suf)] if suf and name.lower().endswith(suf) else name


def is_dicom(path) -> bool:
    """True when the file carries the DICOM preamble ("DICM" at byte 128)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(128)
            return fh.read(4) == b"DICM"
    except OSError:
        return False


def _read_dicom(path: Path):
    import pydicom

    ds = pydicom.dcmread(str(path))
    if not any(tag in ds for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise InputFileError(f"{path}: a DICOM file without pixel data (SOP class {ds.get('SOPClassUID', 'unknown')}; "
                             "a report, a structure set or a header-only file); leave it out of the image folders.")
    arr = ds.pixel_array.astype(np.float32)
    frames_n = int(getattr(ds, "NumberOfFrames", 1) or 1)
    samples = int(getattr(ds, "SamplesPerPixel", 1) or 1)
    if samples > 1:  # colour: (frames?, H, W, 3) -> grey
        arr = arr.mean(axis=-1)
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    arr = arr * slope + intercept
    if str(getattr(ds, "PhotometricInterpretation", "")).upper() == "MONOCHROME1":  # 0 = white
        arr = arr.max() + arr.min() - arr
    frames = [arr[i] for i in range(arr.shape[0])] if arr.ndim == 3 and frames_n > 1 else [arr]
    written_here = (ds.get((PRIVATE_GROUP, 0x0010)) is not None
                    and str(ds[PRIVATE_GROUP, 0x0010].value) == PRIVATE_CREATOR)
    if written_here:
        return frames, "scaled"
    modality = str(getattr(ds, "Modality", "other")).upper()
    return frames, modality if modality in ("CT", "MR") else "other"


def _read_nifti(path: Path, volume_index: int | None):
    import nibabel as nib

    img = nib.load(str(path))
    data = np.asarray(img.dataobj, dtype=np.float32)
    while data.ndim > 3 and data.shape[-1] == 1:   # (X, Y, Z, 1): a singleton 4-D volume is a 3-D one
        data = data[..., 0]
    if data.ndim == 4:
        if volume_index is None:
            raise InputFileError(
                f"{path}: a 4D volume of shape {data.shape}; pass volume_index=... (CLI --volume-index) to "
                f"pick one of its {data.shape[3]} volumes, or split it into 3D files.")
        if not -data.shape[3] <= int(volume_index) < data.shape[3]:
            raise InputFileError(f"{path}: volume_index={volume_index} is outside 0..{data.shape[3] - 1} "
                                 f"(shape {data.shape}).")
        data = data[..., int(volume_index)]
    if data.ndim == 2:
        data = data[..., None]
    if data.ndim != 3:
        raise InputFileError(f"{path}: expected a 2D/3D volume (or 4D with volume_index), got shape {data.shape}.")
    descrip = img.header["descrip"].item().decode("ascii", "replace") if "descrip" in img.header else ""
    if descrip.startswith(SCALE_KEY) or descrip.startswith("synthetic="):
        modality = "scaled"
    else:
        finite = data[np.isfinite(data)]
        modality = "CT" if finite.size and np.percentile(finite, 1) < CT_AIR_THRESHOLD else "MR"
    return [data[:, :, k] for k in range(data.shape[2])], modality


def _read_png(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        text = dict(getattr(im, "text", {}) or {})
        if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
            arr = np.array(im, dtype=np.float32)      # 16-bit / 32-bit grey: every bit kept
            bits = 16 if im.mode.startswith("I;16") else None
        else:                                          # 8-bit grey, palette, RGB(A), LA: grey 0..255
            arr = np.asarray(im.convert("L"), dtype=np.float32)
            bits = 8
    if SCALE_KEY in text and bits is not None:
        lo, hi = (float(v) for v in text[SCALE_KEY].split(","))
        return [lo + arr / (2 ** bits - 1) * (hi - lo)], "scaled"
    return [arr], "other"


def _read_npy(path: Path):
    arr = np.load(path, allow_pickle=False)
    if not np.issubdtype(arr.dtype, np.number):
        raise InputFileError(f"{path}: a {arr.dtype} array; expected numbers.")
    floating = np.issubdtype(arr.dtype, np.floating)
    arr = arr.astype(np.float32)
    if arr.ndim == 4 and arr.shape[1] == 1:          # (n, 1, H, W): a batch of one-channel images
        arr = arr[:, 0]
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise InputFileError(f"{path}: expected a 2D (H, W), 3D (slices, H, W) or 4D (n, 1, H, W) array, "
                             f"got shape {arr.shape}.")
    # float arrays already in [-1, 1] are the toolkit's own scale (e.g. saved model samples)
    scaled = floating and arr.size and float(arr.min()) >= -1.0 and float(arr.max()) <= 1.0
    return [arr[k] for k in range(arr.shape[0])], "scaled" if scaled else "other"


def read_slices(path, volume_index: int | None = None) -> tuple[list[np.ndarray], str, list[int]]:
    """Read one file into a list of 2D float arrays, its modality ("CT", "MR", "scaled" or "other")
    and the slice indices.

    DICOM: RescaleSlope/Intercept applied (CT in HU); multi-frame -> one slice per frame.
    NIfTI: a 3D volume -> its axial slices; a 4D one needs `volume_index` unless it has one volume.
    PNG: 8-bit grey/colour -> grey 0..255; 16-bit grey kept 0..65535. NPY: (H, W), (n, H, W), (n, 1, H, W).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    suf = suffix_of(path)
    if suf not in IMAGE_SUFFIXES and is_dicom(path):
        suf = ".dcm"    # DICOM series are often written without a suffix
    readers = {".dcm": _read_dicom, ".nii": _read_nifti, ".nii.gz": _read_nifti, ".png": _read_png,
               ".npy": _read_npy}
    if suf not in readers:
        raise InputFileError(f"{path}: unknown image format {suf or '(no suffix)'!r}; expected one of "
                             f"{', '.join(IMAGE_SUFFIXES)} or a DICOM file.")
    try:
        frames, modality = (readers[suf](path, volume_index) if suf in (".nii", ".nii.gz")
                            else readers[suf](path))
    except InputFileError:
        raise
    except Exception as exc:  # pydicom/nibabel/PIL raise many types on corrupt files
        raise InputFileError(f"{path}: cannot be read as {suf} ({type(exc).__name__}: {exc}).") from exc
    for f in frames:
        if f.ndim != 2 or min(f.shape) < 2:
            raise InputFileError(f"{path}: a slice of shape {f.shape}; expected 2D images of at least 2x2.")
    return frames, modality, list(range(len(frames)))


def pad_square(img: np.ndarray, value: float | None = None) -> np.ndarray:
    """Pad a 2D array to a square, centred, with `value` (default: its minimum, the background)."""
    h, w = img.shape
    if h == w:
        return img
    n = max(h, w)
    fill = float(img.min()) if value is None else value
    out = np.full((n, n), fill, dtype=img.dtype)
    top, left = (n - h) // 2, (n - w) // 2
    out[top:top + h, left:left + w] = img
    return out
