"""Write images as PNG, NIfTI or DICOM, each labelled with its provenance (synthetic or not).

Every file says what it is, in the place its readers look, plus a JSON sidecar (`<stem>.json`)
with the full metadata:
    PNG    tEXt chunks (synthetic, class, seed, generator, generator_version, model_hash, sampler,
           eta, steps, guidance, ...) and `pharmasynth_scale` = "-1,1" (how to map pixels back)
    NIfTI  float32 values in [-1, 1]; header `descrip` "synthetic=true gen=pharmasynth-<version>
           class=... seed=... hash=..." (80 bytes) and `intent_name` "synthetic"
    DICOM  Secondary Capture, ImageType DERIVED\\SECONDARY, ConversionType SYN (synthetic image),
           BurnedInAnnotation NO, SeriesDescription and ImageComments stating SYNTHETIC with the
           generator, seed and class, patient "SYNTHETIC", a private block (0011,"PHARMASYNTH")
           with the metadata as JSON; 16-bit pixels with RescaleSlope/Intercept back to [-1, 1].
           UIDs derive from the model hash, seed, class and index, so the same run writes the same files.
Every file is written atomically. `readers.read_slices` reads all three back exactly (the files
are recognised as pharmasynth's own scale) and the folder reader ignores the sidecars.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .._util import atomic_path, atomic_write_json
from ..errors import InputFileError, check_option
from .readers import PRIVATE_CREATOR, PRIVATE_GROUP, SCALE_KEY

FORMATS = ("png", "nifti", "dicom")
#: the accepted values of `format` (a name, a list of names, or one of these groups)
FORMAT_GROUPS = {"both": ("png", "nifti"), "all": FORMATS}
GENERATOR = "pharmasynth.imaging.ConditionalDiffusion"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def synthetic_metadata(class_name, seed, model_hash, guidance, steps, **extra) -> dict:
    """The metadata every written synthetic image carries (all values as strings)."""
    from .. import __version__

    meta = {"synthetic": "true", "class": class_name, "seed": seed, "generator": GENERATOR,
            "generator_version": __version__, "model_hash": model_hash, "guidance": guidance,
            "steps": steps, "pharmasynth_version": __version__, **extra}
    return {k: str(v) for k, v in meta.items() if v is not None}


def _plane(image: np.ndarray) -> np.ndarray:
    """(1, H, W) or (H, W) in [-1, 1] -> (H, W) float32 clipped."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 2:
        raise ValueError(f"an image must be (1, H, W) or (H, W), not shape {image.shape}.")
    return np.clip(image, -1.0, 1.0)


def _quantise(image: np.ndarray, bits: int) -> np.ndarray:
    top = 2 ** bits - 1
    return np.round((_plane(image) + 1.0) / 2.0 * top).astype(np.uint16 if bits == 16 else np.uint8)


def write_png(path, image: np.ndarray, metadata: Mapping[str, str], bit_depth: int = 8) -> Path:
    """Write one image in [-1, 1] as an 8- or 16-bit grey PNG with `metadata` as tEXt chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    check_option("bit_depth", bit_depth, (8, 16))
    info = PngInfo()
    for k, v in {**metadata, SCALE_KEY: "-1,1"}.items():
        info.add_text(str(k), str(v))
    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(_quantise(image, bit_depth)).save(tmp, format="PNG", pnginfo=info)
    return Path(path)


def read_png_metadata(path) -> dict:
    """The text chunks of a PNG written by `write_png`."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return dict(im.text)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read as PNG ({exc}).") from exc


def sidecar_path(path) -> Path:
    """`x.json` beside `x.png` / `x.nii.gz` / `x.dcm`."""
    path = Path(path)
    for ext in (".nii.gz", ".nii"):
        if path.name.endswith(ext):
            return path.with_name(path.name[: -len(ext)] + ".json")
    return path.with_suffix(".json")


def _descrip(metadata: Mapping[str, str]) -> bytes:
    if metadata.get("synthetic", "true") == "true":
        tag = (f"synthetic=true gen=pharmasynth-{metadata.get('generator_version', '')} "
               f"class={metadata.get('class', '')} seed={metadata.get('seed', '')} "
               f"hash={str(metadata.get('model_hash', ''))[:12]}")
    else:
        tag = f"{SCALE_KEY}=-1,1 real {metadata.get('source', '')}"
    return tag.encode("ascii", "replace")[:79]


def write_nifti(path, image: np.ndarray, metadata: Mapping[str, str], sidecar: bool = True) -> Path:
    """Write one image (values in [-1, 1]) as a float32 NIfTI (+ a JSON sidecar unless sidecar=False)."""
    import nibabel as nib

    path = Path(path)
    img = nib.Nifti1Image(_plane(image)[:, :, None], affine=np.eye(4))
    img.header["descrip"] = _descrip(metadata)
    if metadata.get("synthetic", "true") == "true":
        img.header["intent_name"] = b"synthetic"
    suffix = ".nii.gz" if path.name.endswith(".nii.gz") else ".nii"
    with atomic_path(path, suffix=suffix) as tmp:
        nib.save(img, str(tmp))
    if sidecar:
        atomic_write_json(sidecar_path(path), dict(metadata))
    return path


def read_nifti_metadata(path) -> dict:
    """`{"descrip": ..., **sidecar}` for a NIfTI written by `write_nifti`."""
    import nibabel as nib

    path = Path(path)
    descrip = nib.load(str(path)).header["descrip"].item().decode("ascii", "replace")
    side = sidecar_path(path)
    meta = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
    return {"descrip": descrip, **meta}


def _uid(*parts) -> str:
    from pydicom.uid import generate_uid

    return generate_uid(entropy_srcs=[str(p) for p in parts])


def write_dicom(path, image: np.ndarray, metadata: Mapping[str, str], modality: str = "OT") -> Path:
    """Write one image (values in [-1, 1]) as a DICOM Secondary Capture marked synthetic (see the module doc)."""
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID

    synthetic = metadata.get("synthetic", "true") == "true"
    key = (metadata.get("model_hash", metadata.get("source", "")), metadata.get("seed", ""))
    cls, index = metadata.get("class", ""), metadata.get("index", "0")
    sop_uid = _uid(*key, cls, index, "instance")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = SECONDARY_CAPTURE, sop_uid
    ds.StudyInstanceUID = _uid(*key, "study")
    ds.SeriesInstanceUID = _uid(*key, cls, "series")
    ds.Modality = modality
    # SYN: a synthetic image, or a real one with simulated content (the shipped lesions)
    ds.ConversionType = "SYN" if synthetic or metadata.get("simulated_lesion") == "true" else "WSD"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.BurnedInAnnotation = "NO"
    ds.PatientName = "SYNTHETIC^IMAGE" if synthetic else "ANONYMOUS^SHIPPED"
    ds.PatientID = "SYNTHETIC" if synthetic else "SHIPPED"
    ds.Manufacturer = "pharmasynth"
    ds.ManufacturerModelName = metadata.get("generator", "pharmasynth")[:64]
    ds.SoftwareVersions = metadata.get("generator_version", metadata.get("pharmasynth_version", ""))
    what = "SYNTHETIC" if synthetic else metadata.get("content", "real image").upper()
    ds.SeriesDescription = f"{what} {cls} pharmasynth"[:64]
    if synthetic:
        ds.ImageComments = (f"SYNTHETIC image written by pharmasynth: class={cls} seed={metadata.get('seed', '')} "
                            f"generator={metadata.get('generator', '')} {metadata.get('generator_version', '')} "
                            f"model_hash={metadata.get('model_hash', '')}")
    else:
        ds.ImageComments = (f"{what} written by pharmasynth: class={cls} source={metadata.get('source', '')} "
                            f"licence={metadata.get('licence', '')}")[:10240]
    ds.DerivationDescription = ("sampled from a generative model; not acquired from a patient" if synthetic
                                else f"real image from {metadata.get('source', '')}")[:1024]
    ds.SeriesNumber, ds.InstanceNumber = 1, int(index) + 1
    block = ds.private_block(PRIVATE_GROUP, PRIVATE_CREATOR, create=True)
    block.add_new(0x01, "LO", f"synthetic={'true' if synthetic else 'false'}")
    block.add_new(0x02, "UT", json.dumps(dict(metadata), sort_keys=True))
    pixels = _quantise(image, 16)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = f"{2 / 65535:.10g}", "-1", "US"
    ds.WindowCenter, ds.WindowWidth = "0", "2"
    ds.PixelData = pixels.tobytes()
    with atomic_path(path, suffix=".dcm") as tmp:
        try:
            ds.save_as(str(tmp), enforce_file_format=True)
        except TypeError:  # pydicom < 3
            ds.is_little_endian, ds.is_implicit_VR = True, False
            ds.save_as(str(tmp), write_like_original=False)
    return Path(path)


def read_dicom_metadata(path) -> dict:
    """The metadata of a DICOM written by `write_dicom` (its private block), plus the key tags."""
    import pydicom

    ds = pydicom.dcmread(str(path), stop_before_pixels=True)
    try:
        block = ds.private_block(PRIVATE_GROUP, PRIVATE_CREATOR)
        meta = json.loads(block[0x02].value)
    except KeyError:
        meta = {}
    return {**meta, "ImageType": list(ds.get("ImageType", [])), "ConversionType": ds.get("ConversionType", ""),
            "BurnedInAnnotation": ds.get("BurnedInAnnotation", ""),
            "SeriesDescription": ds.get("SeriesDescription", ""),
            "ImageComments": ds.get("ImageComments", "")}


def formats_of(format) -> tuple[str, ...]:
    """("png", ...) from "png", "both", "all" or a list of names."""
    names = [format] if isinstance(format, str) else list(format)
    out: list[str] = []
    for name in names:
        for f in FORMAT_GROUPS.get(name, (name,)):
            check_option("format", f, FORMATS + tuple(FORMAT_GROUPS))
            if f not in out:
                out.append(f)
    if not out:
        raise ValueError(f"format={format!r}: give at least one of {', '.join(FORMATS)}.")
    return tuple(out)


def write_images(out_dir, images: np.ndarray, labels: Sequence[int], class_names, metadata: Sequence[Mapping],
                 stems: Sequence[str], format="png", bit_depth: int = 8, modality: str = "OT") -> list[Path]:
    """Write `images[i]` as `out_dir/<class>/<stems[i]>.<ext>` in each format, with one JSON sidecar;
    returns the image paths (not the sidecars)."""
    fmts = formats_of(format)
    images, labels = np.asarray(images), np.asarray(labels)
    if not (len(images) == len(labels) == len(metadata) == len(stems)):
        raise ValueError(f"{len(images)} images, {len(labels)} labels, {len(metadata)} metadata, {len(stems)} names.")
    out_dir, paths = Path(out_dir), []
    for img, lab, meta, stem in zip(images, labels, metadata, stems):
        base = out_dir / class_names[int(lab)] / stem
        if "png" in fmts:
            paths.append(write_png(base.with_name(stem + ".png"), img, meta, bit_depth))
        if "nifti" in fmts:
            paths.append(write_nifti(base.with_name(stem + ".nii.gz"), img, meta, sidecar=False))
        if "dicom" in fmts:
            paths.append(write_dicom(base.with_name(stem + ".dcm"), img, meta, modality))
        atomic_write_json(base.with_name(stem + ".json"), dict(meta))
    return paths


def write_samples(out_dir, images: np.ndarray, labels: Sequence[int], *, class_names=None, seed=None,
                  model_hash: str = "", guidance: float | None = None, steps: int | None = None,
                  format="png", sampler: str | None = None, eta: float | None = None,
                  modality: str = "OT", bit_depth: int = 8, start_index: int = 0) -> list[Path]:
    """Write synthetic images as `out_dir/<class>/synthetic_<class>_<i>.<ext>` + `<stem>.json`; returns
    the image paths.

    `format`: "png", "nifti", "dicom", a list of them, "both" (png + nifti) or "all". `modality`:
    the DICOM Modality tag (the modality the generator was trained on, or "OT").
    """
    labels = np.asarray(labels)
    names = list(class_names) if class_names is not None else [str(k) for k in range(int(labels.max(initial=0)) + 1)]
    metas, stems = [], []
    for i, lab in enumerate(labels, start=start_index):
        name = names[int(lab)]
        metas.append(synthetic_metadata(name, seed, model_hash, guidance, steps, sampler=sampler, eta=eta,
                                        index=i))
        stems.append(f"synthetic_{name}_{i:05d}")
    return write_images(out_dir, images, labels, names, metas, stems, format, bit_depth, modality)
