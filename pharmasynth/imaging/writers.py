"""Write synthetic images as PNG or NIfTI, each labelled as synthetic with its provenance.

PNG: text chunks (synthetic, class, seed, model_hash, guidance, steps, pharmasynth_version).
NIfTI: the header's `descrip` field (80 bytes) carries a short tag; a JSON sidecar beside the
file carries the full metadata. Every file is written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .._util import atomic_path, atomic_write_json
from ..errors import InputFileError, check_option


def synthetic_metadata(class_name, seed, model_hash, guidance, steps, **extra) -> dict:
    """The metadata every written synthetic image carries (all values as strings)."""
    from .. import __version__

    meta = {"synthetic": "true", "class": class_name, "seed": seed, "model_hash": model_hash,
            "guidance": guidance, "steps": steps, "pharmasynth_version": __version__, **extra}
    return {k: str(v) for k, v in meta.items()}


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """(C, H, W) or (H, W) in [-1, 1] -> (H, W) or (H, W, C) uint8."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[0] if image.shape[0] == 1 else np.moveaxis(image, 0, -1)
    if image.ndim not in (2, 3):
        raise ValueError(f"an image must be (C, H, W) or (H, W), not shape {image.shape}.")
    return np.round((np.clip(image, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def write_png(path, image: np.ndarray, metadata: Mapping[str, str]) -> Path:
    """Write one image in [-1, 1] as an 8-bit PNG with `metadata` as tEXt chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for k, v in metadata.items():
        info.add_text(str(k), str(v))
    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(_to_uint8(image)).save(tmp, format="PNG", pnginfo=info)
    return Path(path)


def read_png_metadata(path) -> dict:
    """The text chunks of a PNG written by `write_png`."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return dict(im.text)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read as PNG ({exc}).") from exc


def _sidecar(path: Path) -> Path:
    name = path.name
    for ext in (".nii.gz", ".nii"):
        if name.endswith(ext):
            return path.with_name(name[: -len(ext)] + ".json")
    return path.with_suffix(".json")


def write_nifti(path, image: np.ndarray, metadata: Mapping[str, str]) -> Path:
    """Write one image (float32 (H, W) or (H, W, C), values in [-1, 1]) as NIfTI plus a JSON sidecar."""
    import nibabel as nib

    path = Path(path)
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[0] if image.shape[0] == 1 else np.moveaxis(image, 0, -1)
    img = nib.Nifti1Image(image, affine=np.eye(4))
    tag = f"synthetic=true class={metadata.get('class', '')} seed={metadata.get('seed', '')} " \
          f"hash={str(metadata.get('model_hash', ''))[:12]}"
    img.header["descrip"] = tag.encode("ascii", "replace")[:79]
    suffix = ".nii.gz" if path.name.endswith(".nii.gz") else ".nii"
    with atomic_path(path, suffix=suffix) as tmp:
        nib.save(img, str(tmp))
    atomic_write_json(_sidecar(path), dict(metadata))
    return path


def read_nifti_metadata(path) -> dict:
    """`{"descrip": ..., **sidecar}` for a NIfTI written by `write_nifti`."""
    import nibabel as nib

    path = Path(path)
    descrip = nib.load(str(path)).header["descrip"].item().decode("ascii", "replace")
    side = _sidecar(path)
    meta = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
    return {"descrip": descrip, **meta}


def write_samples(out_dir, images: np.ndarray, labels: Sequence[int], *, class_names=None, seed=None,
                  model_hash: str = "", guidance: float | None = None, steps: int | None = None,
                  format: str = "png") -> list[Path]:
    """Write a batch as `out_dir/<class>/synthetic_<class>_<i>.<ext>`; returns the paths.

    `format` is "png", "nifti" or "both".
    """
    check_option("format", format, ("png", "nifti", "both"))
    images = np.asarray(images)
    labels = np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    out_dir = Path(out_dir)
    paths = []
    for i, (img, lab) in enumerate(zip(images, labels)):
        name = class_names[int(lab)] if class_names is not None else str(int(lab))
        meta = synthetic_metadata(name, seed, model_hash, guidance, steps, index=i)
        stem = out_dir / name / f"synthetic_{name}_{i:05d}"
        if format in ("png", "both"):
            paths.append(write_png(stem.with_suffix(".png"), img, meta))
        if format in ("nifti", "both"):
            paths.append(write_nifti(stem.with_name(stem.name + ".nii.gz"), img, meta))
    return paths
