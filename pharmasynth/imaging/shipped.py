"""The demo/test image set, built deterministically from real MR volumes inside installed packages.

Nothing is downloaded and nothing is copied into the repository: the builder reads the volumes that
ship inside the nibabel, dipy and nilearn wheels (`SOURCES`, with file, licence and split; the table
`shipped_sources()`; provenance in data/README.md). Two common classes and one rare class:

    brain_epi  T2*-weighted echo-planar brain MR (an fMRI series and diffusion b0 volumes), 4 volumes
    brain_t1   T1-weighted brain MR (a single-subject scan and two templates), 3 volumes
    lesion     (rare) T1 slices with a simulated lesion (`simulate_lesion`, below)

Split by source: every source volume is wholly in train or wholly in test (train and test never
share a volume); the lesion class is drawn on the T1 slices of its own split. Each volume is
reoriented to the closest canonical (RAS+) orientation, its axial slices are taken with anterior up,
cropped to the head's bounding box, resampled to square pixels (physical aspect kept), padded to a
square with the background value (never stretched), percentile-scaled (MR, 1-99 %) to [-1, 1] and
resized to `size`. The slices kept are evenly spaced among those whose head area is at least half the
volume's largest.

Lesion model (documented, seeded):
    shape     an ellipse (random semi-axes `radius` x [0.7, 1.3], random angle) whose edge is made
              irregular by a smooth random field (Gaussian-blurred white noise, amplitude 0.3)
    partial   the binary mask is blurred (Gaussian sigma 1 pixel) -> partial-volume edge weights
    contrast  intensity += contrast x local tissue mean (mean inside a dilated mask) x weights
    noise     Gaussian noise with the SD of the image's high-pass residual, inside the lesion
The ground-truth mask (binary, before blurring) is returned. `draw_lesions` draws fresh lesions
(new seeds) on the T1 slices of a split: the "oracle" of extra real-like rare images.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import DataError, check_option
from .io import resize, scale_intensity
from .readers import pad_square

CLASS_NAMES = ["brain_epi", "brain_t1", "lesion"]
RARE_CLASS = "lesion"


@dataclass(frozen=True)
class Source:
    """One real volume of the shipped set: where it is installed, its class, split and licence."""

    name: str           # short id used in `sources` ("nibabel:example4d[vol0]")
    class_name: str
    split: str          # "train" or "test"
    package: str        # the installed package holding the file
    path: str           # inside the package folder
    description: str
    licence: str
    volume: int | None = None   # the volume of a 4-D file
    n_slices: int = 10          # slices kept (evenly spaced over the head)
    quarter_turns: int = 0      # a fix for a file whose affine is known to be off by a rotation


SOURCES = (
    Source("nibabel:example4d[vol0]", "brain_epi", "train", "nibabel", "tests/data/example4d.nii.gz",
           "fMRI EPI series 128x96x24x2, 2x2x2.2 mm (FSL example), time volume 0", "MIT (nibabel)", 0, 6),
    Source("nibabel:example4d[vol1]", "brain_epi", "train", "nibabel", "tests/data/example4d.nii.gz",
           "the same fMRI EPI series, time volume 1", "MIT (nibabel)", 1, 6),
    Source("dipy:S0_10slices", "brain_epi", "train", "dipy", "data/files/S0_10slices.nii.gz",
           "diffusion MR b0 (EPI) 128x128x10, 2x2 mm in plane", "BSD-3-Clause (dipy)", 0, 8),
    Source("dipy:test_piesno", "brain_epi", "train", "dipy", "data/files/test_piesno.nii.gz",
           "diffusion MR (EPI) 96x96x14, 1 mm iso (its affine leaves the head on its side: turned upright)",
           "BSD-3-Clause (dipy)", None, 10, 1),
    Source("dipy:aniso_vox", "brain_epi", "test", "dipy", "data/files/aniso_vox.nii.gz",
           "diffusion MR b0 (EPI) 58x58x24, 4x4x5 mm", "BSD-3-Clause (dipy)", None, 10),
    Source("nilearn:mni152_t1", "brain_t1", "train", "nilearn",
           "datasets/data/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz",
           "ICBM 2009a symmetric T1 template 197x233x189, 1 mm (an average of 152 real T1 scans)",
           "MNI ICBM 2009a licence (free use with copyright notice; via nilearn, BSD-3-Clause)", None, 12),
    Source("nibabel:small_mnc", "brain_t1", "test", "nibabel", "tests/data/small.mnc",
           "T1 brain template in MINC-2, 18x28x29, 7-9 mm voxels", "MIT (nibabel)", None, 10),
    Source("nibabel:anatomical", "brain_t1", "train", "nibabel", "tests/data/anatomical.nii",
           "single-subject T1 brain scan 33x41x25, 2 mm iso (SPM example, normalised; cropped to the brain)",
           "MIT (nibabel)", None, 10),
)
#: lesions of the shipped set: per train T1 source, and per test T1 slice
TRAIN_LESIONS_PER_SOURCE = 2
TEST_LESION_SLICES, TEST_LESIONS_PER_SLICE = 6, 2


def simulate_lesion(img: np.ndarray, random_state=0, radius: float = 0.12, contrast: float = 0.6,
                    center=None) -> tuple[np.ndarray, np.ndarray]:
    """Add a lesion to a 2D slice (any intensity scale); returns (image, binary mask)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(random_state)
    img = np.asarray(img, dtype=np.float64)
    h, w = img.shape
    if center is None:  # inside the brightest (tissue) half of the image
        tissue = np.argwhere(img > np.percentile(img, 60))
        cy, cx = tissue[rng.integers(len(tissue))] if len(tissue) else (h / 2, w / 2)
    else:
        cy, cx = center
    a, b = radius * min(h, w) * rng.uniform(0.7, 1.3, 2)
    th = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[:h, :w]
    u = ((xx - cx) * np.cos(th) + (yy - cy) * np.sin(th)) / a
    v = (-(xx - cx) * np.sin(th) + (yy - cy) * np.cos(th)) / b
    field = gaussian_filter(rng.normal(size=(h, w)), sigma=max(h, w) / 16)
    field /= np.abs(field).max() + 1e-12
    mask = (u ** 2 + v ** 2) < (1.0 + 0.3 * field)
    weights = gaussian_filter(mask.astype(float), sigma=1.0)
    ring = gaussian_filter(mask.astype(float), sigma=3.0) > 0.05
    local = img[ring].mean() if ring.any() else img.mean()
    resid = img - gaussian_filter(img, 1.0)
    noise_sd = float(np.std(resid))
    out = img + contrast * abs(local) * weights + rng.normal(0, noise_sd, img.shape) * weights
    return out.astype(np.float32), mask


def source_path(source: Source) -> Path:
    """The installed file of `source` (found without importing its package)."""
    spec = importlib.util.find_spec(source.package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"the shipped image set needs the package {source.package!r} "
                        f"(it holds {source.path}); install it: pip install {source.package}")
    path = Path(list(spec.submodule_search_locations)[0]) / source.path
    if not path.is_file():
        raise DataError(f"{path}: missing from the installed {source.package}; reinstall it.")
    return path


def _square_pixels(sl: np.ndarray, zooms) -> np.ndarray:
    """Resample a slice (rows, cols) with pixel sizes `zooms` to square pixels of the finer size."""
    from scipy.ndimage import zoom

    f = np.asarray(zooms, float) / min(zooms)
    return sl if np.allclose(f, 1.0) else zoom(sl, f, order=1)


@lru_cache(maxsize=None)
def _raw_slices(source: Source) -> tuple[tuple[np.ndarray, ...], tuple[int, ...]]:
    """The kept axial slices of one source (raw intensities, square pixels, cropped, square) and
    their indices in the canonical volume."""
    import nibabel as nib

    img = nib.load(str(source_path(source)))
    data = np.asarray(img.dataobj, dtype=np.float32)
    if data.ndim == 4:
        data = data[..., source.volume or 0]
    canon = nib.as_closest_canonical(nib.Nifti1Image(data, img.affine))
    vol = np.asarray(canon.dataobj, dtype=np.float32)
    zooms = canon.header.get_zooms()[:3]
    head = vol > 0.15 * np.percentile(vol, 99)
    area = head.sum(axis=(0, 1))
    candidates = np.flatnonzero(area >= 0.5 * area.max())
    keep = candidates[np.unique(np.linspace(0, len(candidates) - 1, source.n_slices).round().astype(int))]
    rows = np.flatnonzero(head.any(axis=(1, 2)))
    cols = np.flatnonzero(head.any(axis=(0, 2)))
    m0, m1 = max(1, len(rows) // 20), max(1, len(cols) // 20)   # a 5 % margin around the head
    r0, r1 = max(rows[0] - m0, 0), min(rows[-1] + m0 + 1, vol.shape[0])
    c0, c1 = max(cols[0] - m1, 0), min(cols[-1] + m1 + 1, vol.shape[1])
    out = []
    for k in keep:
        sl = vol[r0:r1, c0:c1, k]
        # RAS+: axis 0 runs left->right, axis 1 posterior->anterior; rot90 puts anterior up
        sl = np.rot90(_square_pixels(sl, (zooms[0], zooms[1])), 1 + source.quarter_turns)
        out.append(pad_square(np.ascontiguousarray(sl)))
    return tuple(out), tuple(int(k) for k in keep)


def _prepare(img: np.ndarray, size: int) -> np.ndarray:
    return resize(scale_intensity(img, "MR"), size)


def _t1_slices(split: str):
    """[(source, slice index, raw slice)] of the T1 sources of `split`."""
    out = []
    for s in SOURCES:
        if s.class_name == "brain_t1" and s.split == split:
            slices, idx = _raw_slices(s)
            out += [(s, k, sl) for k, sl in zip(idx, slices)]
    return out


def draw_lesions(n: int, size: int = 32, split: str = "train", random_state=0, radius: float = 0.12,
                 contrast: float = 0.6) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`n` fresh simulated lesions on the T1 slices of `split`: (images (n, 1, size, size) in [-1, 1],
    binary masks (n, size, size), sources).

    The oracle of rare images: real-like lesions never shown to a generator. Seeds come from a
    stream of `random_state` separate from `build_shipped`'s, so they are not the shipped lesions.
    """
    check_option("split", split, ("train", "test"))
    if int(n) < 0:
        raise ValueError(f"n={n} must be >= 0.")
    rng = np.random.default_rng([int(np.random.default_rng(random_state).integers(2**31)), 7919])
    slices = _t1_slices(split)
    x, m, names = [], [], []
    for _ in range(int(n)):
        src, k, sl = slices[int(rng.integers(len(slices)))]
        img, mask = simulate_lesion(sl, random_state=int(rng.integers(2**31)), radius=radius, contrast=contrast)
        x.append(_prepare(img, size))
        m.append(resize(mask.astype(np.float32), size) > 0.5)
        names.append(f"{src.name}[z{k}]+lesion(drawn)")
    if not x:
        return np.zeros((0, 1, size, size), np.float32), np.zeros((0, size, size), bool), []
    return np.stack(x)[:, None].astype(np.float32), np.stack(m), names


def build_shipped(size: int = 32, random_state=0) -> dict:
    """`{"train": (images, labels, class_names, sources, masks), "test": (...)}` built from real scans.

    images float32 (n, 1, size, size) in [-1, 1]; labels int (0 brain_epi, 1 brain_t1, 2 lesion);
    sources "package:file[zK]" per image; masks the lesion masks (None for other classes).
    """
    rng = np.random.default_rng(random_state)
    split = {s: ([], [], [], []) for s in ("train", "test")}

    def add(s, img, label, src, mask=None):
        x, y, srcs, m = split[s]
        x.append(_prepare(img, size)); y.append(label); srcs.append(src)
        m.append(None if mask is None else resize(mask.astype(np.float32), size) > 0.5)

    for source in SOURCES:
        slices, idx = _raw_slices(source)
        for k, sl in zip(idx, slices):
            add(source.split, sl, CLASS_NAMES.index(source.class_name), f"{source.name}[z{k}]")
    for source in SOURCES:   # the rare class: a few lesions on each train T1 source
        if source.class_name == "brain_t1" and source.split == "train":
            slices, idx = _raw_slices(source)
            for j in np.linspace(1, len(slices) - 2, TRAIN_LESIONS_PER_SOURCE).round().astype(int):
                img, mask = simulate_lesion(slices[j], random_state=int(rng.integers(2**31)))
                add("train", img, 2, f"{source.name}[z{idx[j]}]+lesion", mask)
    test_t1 = _t1_slices("test")
    for j in np.linspace(1, len(test_t1) - 2, TEST_LESION_SLICES).round().astype(int):
        src, k, sl = test_t1[j]
        for rep in range(TEST_LESIONS_PER_SLICE):
            img, mask = simulate_lesion(sl, random_state=int(rng.integers(2**31)))
            add("test", img, 2, f"{src.name}[z{k}]+lesion{rep}", mask)
    out = {}
    for s, (x, y, srcs, m) in split.items():
        out[s] = (np.stack(x)[:, None].astype(np.float32), np.asarray(y), list(CLASS_NAMES), srcs, m)
    return out


def shipped_sources():
    """The provenance table: one row per source volume (class, split, package, file, licence, slices)."""
    import pandas as pd

    rows = [{"source": s.name, "class": s.class_name, "split": s.split, "package": s.package, "file": s.path,
             "volume": s.volume, "description": s.description, "licence": s.licence,
             "n_slices": len(_raw_slices(s)[1])} for s in SOURCES]
    return pd.DataFrame(rows)


def _file_stem(source: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", source).strip("_")


def write_shipped(out_dir, size: int = 32, format="png", random_state=0) -> dict:
    """Write the shipped set as class folders `out_dir/train/<class>/` and `out_dir/test/<class>/`
    (PNG 16-bit, NIfTI or DICOM, marked real with their source) plus `out_dir/sources.csv`.

    Read back with `ImageFolder(out_dir / "train", size=size)` the images equal `build_shipped`'s
    (exactly for NIfTI, within 1/65535 for PNG and DICOM). Returns {"train": n, "test": n, "sources": path}.
    """
    from .. import __version__
    from .._util import atomic_write_text
    from .writers import write_images

    out_dir = Path(out_dir)
    data = build_shipped(size=size, random_state=random_state)
    licences = {s.name: s.licence for s in SOURCES}
    counts = {}
    for split, (x, y, names, srcs, _) in data.items():
        metas, stems = [], []
        for src, lab in zip(srcs, y):
            base = src.split("[")[0]
            lesion = "+lesion" in src
            metas.append({"synthetic": "false", "class": names[int(lab)], "source": src,
                          "content": "real MR slice with a SIMULATED lesion" if lesion else "real MR slice",
                          "simulated_lesion": "true" if lesion else "false",
                          "licence": licences.get(base, ""), "split": split, "random_state": str(random_state),
                          "built_by": f"pharmasynth {__version__} imaging.shipped.build_shipped(size={size})"})
            stems.append(_file_stem(src))
        write_images(out_dir / split, x, y, names, metas, stems, format, bit_depth=16, modality="MR")
        counts[split] = int(len(y))
    table = shipped_sources()
    path = out_dir / "sources.csv"
    atomic_write_text(path, table.to_csv(index=False))
    return {**counts, "sources": path}
