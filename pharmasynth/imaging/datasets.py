"""Labelled image sets read from disk: a folder with one sub-folder per class, or a CSV manifest.

    root/
      brain_t1/   scan01.nii.gz  scan02.nii.gz ...     NIfTI volumes (each axial slice one image)
      lesion/     series1/IM0001 series1/IM0002 ...   DICOM series (any depth, suffix or not)
      other/      a.png b.png ...                      PNG (8- or 16-bit) or NPY arrays

Rules (each one reported, never silent):
- JSON sidecars (`x.json` beside `x.png`) are metadata, not images: not read, not counted.
- The same image written in several formats (`x.png`, `x.nii.gz`, `x.dcm` with one stem in one
  folder, as `imaging sample --format all` writes) is read ONCE, from the most exact file
  (NIfTI, then DICOM, then PNG, then NPY); the others are listed in `.duplicates` (the documented
  rule, so no warning).
- Unreadable files are skipped (`on_error="skip"`, listed in `.skipped`, one SkippedRecordsWarning)
  or stop the read (`on_error="raise"`, or its CLI name "fail").
- Non-square slices are padded to a square (listed in `.padded`, one DataWarning) or refused
  (`non_square="error"`).
- `.read_as` counts the files per intensity treatment (CT / MR / scaled / other), and says which
  were guessed from the file, so a NIfTI treated as MR is stated, not assumed.
"""

from __future__ import annotations

import csv
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import DataError, DataWarning, InputFileError, SkippedRecordsWarning, check_option
from .io import MODALITIES, NON_SQUARE, read_image_file
from .readers import SIDECAR_SUFFIXES, stem_of, suffix_of

ON_ERROR = ("skip", "raise", "fail")
_TREATMENT = {"CT": "CT window", "MR": "MR percentiles", "scaled": "pharmasynth's [-1, 1] scale",
              "other": "min-max"}
# the most exact copy of an image written in several formats: float NIfTI, 16-bit DICOM, then PNG
_PREFERENCE = {".nii.gz": 0, ".nii": 0, ".dcm": 1, ".png": 2, ".npy": 3}


def _one_per_image(files: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files of one folder without sidecars, one per stem; returns (kept, [(left out, kept instead)])."""
    groups: dict[tuple[Path, str], list[Path]] = {}
    for f in files:
        if suffix_of(f) in SIDECAR_SUFFIXES:
            continue
        groups.setdefault((f.parent, stem_of(f)), []).append(f)
    kept, dupes = [], []
    for group in groups.values():
        images = [f for f in group if suffix_of(f) in _PREFERENCE]
        if len(images) > 1:
            images.sort(key=lambda f: _PREFERENCE[suffix_of(f)])
            dupes += [(str(f), str(images[0])) for f in images[1:]]
            group = [f for f in group if f not in images[1:]]
        kept += group
    return sorted(kept), dupes


class _Dataset:
    """Images, labels and their sources; built by ImageFolder / ImageManifest."""

    def _settings(self, size, modality, on_error, ct_window, volume_index, non_square):
        self.size, self.modality = int(size), check_option("modality", modality, MODALITIES)
        if self.size < 2:
            raise ValueError(f"size={size} must be at least 2 pixels.")
        self.on_error = "raise" if check_option("on_error", on_error, ON_ERROR) == "fail" else on_error
        self.non_square = check_option("non_square", non_square, NON_SQUARE)
        self.ct_window, self.volume_index = ct_window, volume_index

    def _build(self, items, class_names, where):
        images, labels, sources, skipped, padded = [], [], [], [], []
        read_as: Counter = Counter()
        for path, label, modality in items:
            try:
                res = read_image_file(path, self.size, modality or self.modality, self.ct_window,
                                      self.volume_index, self.non_square)
            except InputFileError as exc:
                if self.on_error == "raise":
                    raise
                skipped.append((str(path), str(exc)))
                continue
            images.append(res["images"])
            labels += [label] * len(res["images"])
            sources += [(str(path), int(i)) for i in res["indices"]]
            read_as[f"{_TREATMENT[res['modality']]} ({'from the file' if res['guessed'] else 'as asked'})"] += 1
            if res["padded"]:
                padded.append((str(path), res["padded"]))
        self.skipped, self.padded, self.read_as = skipped, padded, dict(read_as)
        if skipped:
            warnings.warn(f"{len(skipped)} file(s) of {where} skipped (see .skipped): first: {skipped[0][1]}",
                          SkippedRecordsWarning, stacklevel=3)
        if padded:
            f, (h, w) = padded[0]
            warnings.warn(f"{len(padded)} file(s) of {where} hold non-square slices, padded to a square with "
                          f"the background (first: {f}, {h}x{w}); crop them yourself or refuse them "
                          "with non_square='error' (CLI --non-square error).", DataWarning, stacklevel=3)
        counts = np.bincount(np.asarray(labels, dtype=int), minlength=len(class_names))
        empty = [c for c, n in zip(class_names, counts) if n == 0]
        if empty:
            raise DataError(f"{where}: class(es) {empty} have no readable images; add images or remove the class.")
        self.images = np.concatenate(images).astype(np.float32)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.sources = sources
        self.class_names = list(class_names)
        self.num_classes = len(class_names)

    def __len__(self):
        return len(self.labels)

    def counts(self) -> dict:
        """{class name: number of images}."""
        return {c: int(n) for c, n in zip(self.class_names, np.bincount(self.labels, minlength=self.num_classes))}


class ImageFolder(_Dataset):
    """One sub-folder per class under `root`; every readable image file becomes one or more slices.

    size: side of the square images returned; modality: "auto" (from each file), "CT", "MR" or
    "other"; on_error: "skip" or "raise"/"fail"; ct_window: a `CT_WINDOWS` preset; volume_index:
    the volume of 4-D NIfTI files; non_square: "pad" or "error".
    """

    def __init__(self, root, size: int = 64, modality: str = "auto", on_error: str = "skip",
                 ct_window: str = "soft_tissue", volume_index: int | None = None, non_square: str = "pad"):
        self._settings(size, modality, on_error, ct_window, volume_index, non_square)
        self.root = Path(root)
        if not self.root.is_dir():
            raise InputFileError(f"{self.root}: not a folder (expected one sub-folder per class).")
        classes = sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if not classes:
            loose = [p.name for p in self.root.iterdir() if p.is_file()][:3]
            hint = (f" (it holds files such as {loose}: put them in a sub-folder named after their class)"
                    if loose else "")
            raise DataError(f"{self.root}: no class sub-folders found{hint}.")
        items, self.duplicates = [], []
        for k, c in enumerate(classes):
            files = [f for f in (self.root / c).rglob("*") if f.is_file()
                     and not any(part.startswith(".") for part in f.relative_to(self.root).parts)]
            kept, dupes = _one_per_image(files)
            self.duplicates += dupes
            items += [(f, k, None) for f in kept]
        self._build(items, classes, str(self.root))


class ImageManifest(_Dataset):
    """A CSV with columns path,label[,modality]; relative paths are taken from the CSV's folder."""

    def __init__(self, csv_path, size: int = 64, modality: str = "auto", on_error: str = "skip",
                 ct_window: str = "soft_tissue", volume_index: int | None = None, non_square: str = "pad"):
        self._settings(size, modality, on_error, ct_window, volume_index, non_square)
        self.duplicates = []
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
            if not (r.get("path") or "").strip():
                raise InputFileError(f"{csv_path}, line {line}, column path: empty; expected an image file.")
            p = Path(r["path"])
            items.append((p if p.is_absolute() else csv_path.parent / p, classes.index(r["label"]), mod))
        self._build(items, classes, str(csv_path))
