"""Images to training arrays: modality-aware intensity scaling, resizing, and checks.

Every image ends up as float32 (1, size, size) scaled to [-1, 1]:
    CT      -> a Hounsfield window (named preset), clipped, mapped to [-1, 1]
    MR      -> percentile scaling (1st-99th percentile of the slice) to [-1, 1]
    scaled  -> a file pharmasynth wrote in its [-1, 1] scale: kept as it is (clipped)
    other   (PNG/NPY without a modality) -> min-max to [-1, 1]
A non-square slice is padded to a square with its background (its minimum), never stretched
(`non_square="error"` refuses it instead). Reading single files: `readers.read_slices`; folders and
manifests: `datasets.ImageFolder` / `ImageManifest` (both re-exported here).
`check_training_arrays` checks images and labels given as arrays (shape, range, classes) before training.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError, check_option
from .readers import IMAGE_SUFFIXES, pad_square, read_slices  # noqa: F401  (IMAGE_SUFFIXES, read_slices: re-exported)

#: CT windows as (level, width) in Hounsfield units.
CT_WINDOWS = {
    "soft_tissue": (40.0, 400.0),
    "lung": (-600.0, 1500.0),
    "bone": (400.0, 1800.0),
    "brain": (40.0, 80.0),
}
MODALITIES = ("auto", "CT", "MR", "other")
NON_SQUARE = ("pad", "error")


def scale_intensity(img: np.ndarray, modality: str, ct_window: str = "soft_tissue") -> np.ndarray:
    """Map a 2D slice to [-1, 1]: CT by a HU window, MR by 1-99 percentiles, "scaled" as is, other by min-max."""
    img = np.asarray(img, dtype=np.float32)
    if modality == "scaled":
        return np.clip(img, -1.0, 1.0)
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
    """Resize a 2D slice to (size, size) with MONAI's Resize (area interpolation; exact when sizes match)."""
    if img.shape == (size, size):
        return np.asarray(img, dtype=np.float32)
    from monai.transforms import Resize

    out = Resize((size, size), mode="area")(img[None].astype(np.float32))
    return np.asarray(out, dtype=np.float32)[0]


def read_image_file(path, size: int, modality: str = "auto", ct_window: str = "soft_tissue",
                    volume_index: int | None = None, non_square: str = "pad") -> dict:
    """Read, square, scale and resize every slice of a file.

    Returns {"images": (n, 1, size, size) float32 in [-1, 1], "indices": slice indices,
    "modality": the one applied, "guessed": whether it came from the file, "padded": the original
    (H, W) when slices were padded to a square, else None}.
    """
    check_option("modality", modality, MODALITIES)
    check_option("non_square", non_square, NON_SQUARE)
    frames, guessed, idx = read_slices(path, volume_index=volume_index)
    # a file pharmasynth wrote in its own scale stays exact unless the caller forces a modality
    mod = guessed if modality == "auto" else modality
    shape = frames[0].shape
    padded = None
    if shape[0] != shape[1]:
        if non_square == "error":
            # a DataError, not an InputFileError: a refusal the caller asked for stops the read, never skipped
            raise DataError(f"{path}: slices of shape {shape[0]}x{shape[1]} (height x width) are not square; "
                            "crop or pad them, or let them be padded (non_square='pad', CLI --non-square pad).")
        padded = tuple(int(v) for v in shape)
    out = []
    for f in frames:
        scaled = scale_intensity(f, mod, ct_window)
        # pad AFTER scaling with -1 (the scaled background), so the padding cannot move the percentiles
        out.append(resize(pad_square(scaled, -1.0) if padded else scaled, size))
    images = np.clip(np.stack(out)[:, None], -1.0, 1.0).astype(np.float32)
    return {"images": images, "indices": idx, "modality": mod, "guessed": modality == "auto",
            "padded": padded}


def load_image_file(path, size: int, modality: str = "auto", ct_window: str = "soft_tissue",
                    volume_index: int | None = None, non_square: str = "pad"):
    """Read, scale and resize every slice of a file; returns (images (n,1,size,size), slice indices)."""
    res = read_image_file(path, size, modality, ct_window, volume_index, non_square)
    return res["images"], res["indices"]


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




def __getattr__(name):
    # the folder/manifest datasets live in .datasets (which imports this module)
    if name in ("ImageFolder", "ImageManifest"):
        from . import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
