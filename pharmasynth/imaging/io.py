"""Reading 2D images for training: DICOM, NIfTI, PNG and NPY, with modality-aware intensity.

Every image ends up as float32 (1, size, size) scaled to [-1, 1]:
    CT  -> a Hounsfield window (named preset), clipped, mapped to [-1, 1]
    MR  -> percentile scaling (1st-99th percentile of the slice) to [-1, 1]
    other (PNG/NPY without a modality) -> min-max to [-1, 1]
A 3D NIfTI volume becomes a stack of axial slices; the slice index is kept in `sources`.
Nothing is unpickled: NPY files are read with allow_pickle=False.
`check_training_arrays` checks images and labels given as arrays (shape, range, classes) before training.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np

from ..errors import DataError, InputFileError, SkippedRecordsWarning, check_option

#: CT windows as (level, width) in Hounsfield units.
CT_WINDOWS = {
    "soft_tissue": (40.0, 400.0),
    "lung": (-600.0, 1500.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}
MODALITIES = ("auto", "CT", "MR", "other")
IMAGE_SUFFIXES = (".dcm", ".nii", ".nii.gz", ".png", ".npy")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".nii.gz"):
        return ".nii.gz"
    return path.suffix.lower()


def read_slices(path, volume_index: int | None = None) -> tuple[list[np.ndarray], str, list[int]]:
    """Read one file into a list of 2D float arrays, its modality guess and the slice indices.

    DICOM: RescaleSlope/Intercept applied (CT in HU); multi-frame -> one slice per frame.
    NIfTI: a 3D volume -> its axial slices; 4D needs `volume_index` (else InputFileError).
    PNG: converted to grey. NPY: 2D (H, W) or 3D (slices, H, W), read with allow_pickle=False.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    suf = _suffix(path)
    try:
        if suf == ".dcm":
            import pydicom

            ds = pydicom.dcmread(str(path))
            arr = ds.pixel_array.astype(np.float32)
            arr = arr * float(getattr(ds, "RescaleSlope", 1) or 1) + float(getattr(ds, "RescaleIntercept", 0) or 0)
            modality = str(getattr(ds, "Modality", "other")).upper()
            modality = modality if modality in ("CT", "MR") else "other"
            if arr.ndim == 3 and int(getattr(ds, "NumberOfFrames", 1) or 1) > 1:
                frames = [arr[i] for i in range(arr.shape[0])]
            elif arr.ndim == 3:  # RGB
                frames = [arr.mean(axis=-1)]
            else:
                frames = [arr]
            return frames, modality, list(range(len(frames)))
        if suf in (".nii", ".nii.gz"):
            import nibabel as nib

            data = np.asarray(nib.load(str(path)).dataobj, dtype=np.float32)
            if data.ndim == 4:
                if volume_index is None:
                    raise InputFileError(
                        f"{path}: a 4D volume of shape {data.shape}; pass volume_index=... to pick one "
                        f"of its {data.shape[3]} volumes, or split it into 3D files.")
                data = data[..., volume_index]
            if data.ndim == 2:
                data = data[..., None]
            if data.ndim != 3:
                raise InputFileError(f"{path}: expected a 2D/3D volume, got shape {data.shape}.")
            return [data[:, :, k] for k in range(data.shape[2])], "MR", list(range(data.shape[2]))
        if suf == ".png":
            from PIL import Image

            with Image.open(path) as im:
                arr = np.asarray(im.convert("L"), dtype=np.float32)
            return [arr], "other", [0]
        if suf == ".npy":
            arr = np.load(path, allow_pickle=False).astype(np.float32)
            if arr.ndim == 2:
                return [arr], "other", [0]
            if arr.ndim == 3:
                return [arr[k] for k in range(arr.shape[0])], "other", list(range(arr.shape[0]))
            raise InputFileError(f"{path}: expected a 2D (H, W) or 3D (slices, H, W) array, got {arr.shape}.")
    except InputFileError:
        raise
    except Exception as exc:  # pydicom/nibabel/PIL raise many types on corrupt files
        raise InputFileError(f"{path}: cannot be read as {suf} ({type(exc).__name__}: {exc}).") from exc
    raise InputFileError(f"{path}: unknown image format {suf!r}; expected one of {', '.join(IMAGE_SUFFIXES)}.")


def scale_intensity(img: np.ndarray, modality: str, ct_window: str = "soft_tissue") -> np.ndarray:
    """Map a 2D slice to [-1, 1]: CT by a HU window, MR by 1-99 percentiles, other by min-max."""
    img = np.asarray(img, dtype=np.float32)
    if modality == "CT":
        level, width = CT_WINDOWS[check_option("ct_window", ct_window, CT_WINDOWS)]
        lo, hi = level - width / 2, level + width / 2
    elif modality == "MR":
        lo, hi = np.percentile(img, [1, 99])
    else:
        lo, hi = float(img.min()), float(img.max())
    if hi <= lo:
        return np.zeros_like(img) - 1.0
    return (np.clip((img - lo) / (hi - lo), 0.0, 1.0) * 2.0 - 1.0).astype(np.float32)


def resize(img: np.ndarray, size: int) -> np.ndarray:
    """Resize a 2D slice to (size, size) with MONAI's Resize (area interpolation)."""
    from monai.transforms import Resize

    out = Resize((size, size), mode="area")(img[None].astype(np.float32))
    return np.asarray(out, dtype=np.float32)[0]


def load_image_file(path, size: int, modality: str = "auto", ct_window: str = "soft_tissue",
                    volume_index: int | None = None):
    """Read, scale and resize every slice of a file; returns (images (n,1,size,size), slice indices)."""
    check_option("modality", modality, MODALITIES)
    frames, guessed, idx = read_slices(path, volume_index=volume_index)
    mod = guessed if modality == "auto" else modality
    out = np.stack([resize(scale_intensity(f, mod, ct_window), size) for f in frames])[:, None]
    return np.clip(out, -1.0, 1.0).astype(np.float32), idx


def labelled_arrays(data) -> tuple[np.ndarray, np.ndarray, list]:
    """`(images as float32, labels, class_names)` of an ImageFolder-like object or such a triple."""
    if hasattr(data, "images"):
        return np.asarray(data.images, np.float32), np.asarray(data.labels), list(data.class_names)
    x, y, names = data
    return np.asarray(x, np.float32), np.asarray(y), list(names)


def check_training_arrays(images, labels, in_channels: int, image_size: int,
                          num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Training images (float32 (N, C, S, S) in [-1, 1]) and labels (int64 0..K-1), checked.

    `labels=None` takes both from an ImageFolder-like `images`. Every error says what to change.
    """
    if labels is None and hasattr(images, "images") and hasattr(images, "labels"):
        images, labels = images.images, images.labels
    if labels is None:
        raise DataError("fit(images, labels): labels are missing (or pass an ImageFolder).")
    images = np.asarray(images)
    labels = np.asarray(labels)
    expected = f"(N, {in_channels}, {image_size}, {image_size})"
    if images.ndim != 4 or images.shape[1:] != (in_channels, image_size, image_size):
        raise DataError(f"images have shape {images.shape}; expected {expected} "
                        "(set image_size/in_channels to match, or resize the images).")
    if not np.issubdtype(images.dtype, np.floating):
        raise DataError(f"images have dtype {images.dtype}; expected floats scaled to [-1, 1].")
    if not np.isfinite(images).all():
        raise DataError("images contain NaN or infinite values.")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1.0 - 1e-4 or hi > 1.0 + 1e-4:
        raise DataError(f"image values span [{lo:.3g}, {hi:.3g}]; expected [-1, 1] "
                        "(scale intensities first, e.g. x / 127.5 - 1 for 8-bit images).")
    if labels.shape != (images.shape[0],):
        raise DataError(f"labels have shape {labels.shape}; expected ({images.shape[0]},), one per image.")
    if not np.issubdtype(labels.dtype, np.integer):
        if np.issubdtype(labels.dtype, np.floating) and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise DataError(f"labels have dtype {labels.dtype}; expected integers 0..{num_classes - 1}.")
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"label {int(labels[i])} at index {i} is outside 0..{num_classes - 1} "
                        f"(num_classes={num_classes}).")
    if images.shape[0] == 0:
        raise DataError("no images to train on.")
    return images.astype(np.float32, copy=False), labels.astype(np.int64)


class _Dataset:
    """Images, labels and their sources; built by ImageFolder / ImageManifest."""

    def _build(self, items, class_names):
        images, labels, sources, skipped = [], [], [], []
        for path, label, modality in items:
            try:
                arr, idx = load_image_file(path, self.size, modality or self.modality, self.ct_window,
                                           self.volume_index)
            except InputFileError as exc:
                if self.on_error == "raise":
                    raise
                skipped.append((str(path), str(exc)))
                continue
            images.append(arr)
            labels += [label] * len(arr)
            sources += [(str(path), int(i)) for i in idx]
        self.skipped = skipped
        if skipped:
            warnings.warn(f"{len(skipped)} file(s) skipped (see .skipped): first: {skipped[0][1]}",
                          SkippedRecordsWarning, stacklevel=3)
        counts = np.bincount(np.asarray(labels, dtype=int), minlength=len(class_names))
        empty = [c for c, n in zip(class_names, counts) if n == 0]
        if empty:
            raise DataError(f"class(es) {empty} have no readable images; add images or remove the class.")
        self.images = np.concatenate(images).astype(np.float32)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.sources = sources
        self.class_names = list(class_names)
        self.num_classes = len(class_names)

    def __len__(self):
        return len(self.labels)


class ImageFolder(_Dataset):
    """One sub-folder per class under `root`; every readable image file becomes one or more slices."""

    def __init__(self, root, size: int = 64, modality: str = "auto", on_error: str = "skip",
                 ct_window: str = "soft_tissue", volume_index: int | None = None):
        self.root, self.size, self.modality = Path(root), int(size), check_option("modality", modality, MODALITIES)
        self.on_error = check_option("on_error", on_error, ("skip", "raise"))
        self.ct_window, self.volume_index = ct_window, volume_index
        if not self.root.is_dir():
            raise InputFileError(f"{self.root}: not a folder (expected one sub-folder per class).")
        classes = sorted(p.name for p in self.root.iterdir() if p.is_dir())
        if not classes:
            raise DataError(f"{self.root}: no class sub-folders found.")
        items = []
        for k, c in enumerate(classes):
            for f in sorted((self.root / c).rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    items.append((f, k, None))
        self._build(items, classes)


class ImageManifest(_Dataset):
    """A CSV with columns path,label[,modality]; relative paths are taken from the CSV's folder."""

    def __init__(self, csv_path, size: int = 64, modality: str = "auto", on_error: str = "skip",
                 ct_window: str = "soft_tissue", volume_index: int | None = None):
        self.size, self.modality = int(size), check_option("modality", modality, MODALITIES)
        self.on_error = check_option("on_error", on_error, ("skip", "raise"))
        self.ct_window, self.volume_index = ct_window, volume_index
        csv_path = Path(csv_path)
        if not csv_path.is_file():
            raise InputFileError(f"{csv_path}: no such manifest.")
        with open(csv_path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or not {"path", "label"} <= set(rows[0]):
            raise InputFileError(f"{csv_path}: expected a header with columns path,label[,modality].")
        classes = sorted({r["label"] for r in rows})
        items = []
        for line, r in enumerate(rows, start=2):
            mod = (r.get("modality") or "").strip() or None
            if mod is not None and mod not in MODALITIES:
                raise InputFileError(f"{csv_path}, line {line}, column modality: {mod!r} is not one of {MODALITIES}.")
            p = Path(r["path"])
            items.append((p if p.is_absolute() else csv_path.parent / p, classes.index(r["label"]), mod))
        self._build(items, classes)
