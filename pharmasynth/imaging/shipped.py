"""The demo/test image set, built deterministically from real scans inside installed packages.

Sources (nothing is downloaded): nibabel's test data (MIT licence) —
    anatomical.nii     a T1 brain volume (33x41x25)          -> class "brain_t1"
    example4d.nii.gz   a brain EPI series (128x96x24x2)       -> class "brain_epi"
plus a rare class "lesion": real T1 slices with a simulated lesion (`simulate_lesion`).
Split: slices are grouped in contiguous blocks of the source volume (EPI: by time volume, so
train and test never share a volume; T1: one volume, so slice blocks with a 2-slice gap between
train and test blocks). The lesion class uses its own T1 slices, never the brain_t1 test slices.

Lesion model (documented, seeded):
    shape     an ellipse (random semi-axes `radius` x [0.7, 1.3], random angle) whose edge is made
              irregular by a smooth random field (Gaussian-blurred white noise, amplitude 0.3)
    partial   the binary mask is blurred (Gaussian sigma 1 pixel) -> partial-volume edge weights
    contrast  intensity += contrast x local tissue mean (mean inside a dilated mask) x weights
    noise     Gaussian noise with the SD of the image's background-subtracted high-pass residual
The ground-truth mask (binary, before blurring) is returned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .io import resize, scale_intensity


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


def _nib_dir() -> Path:
    import nibabel

    return Path(nibabel.__file__).parent / "tests" / "data"


def build_shipped(size: int = 32, random_state=0) -> dict:
    """Return {"train": (images, labels, names, sources, masks), "test": (...)} built from real scans."""
    import nibabel as nib

    names = ["brain_epi", "brain_t1", "lesion"]
    t1 = np.asarray(nib.load(_nib_dir() / "anatomical.nii").dataobj, dtype=np.float32)
    epi = np.asarray(nib.load(_nib_dir() / "example4d.nii.gz").dataobj, dtype=np.float32)
    rng = np.random.default_rng(random_state)
    split = {s: ([], [], [], []) for s in ("train", "test")}

    def add(s, img, label, src, mask=None):
        x, y, srcs, m = split[s]
        x.append(resize(scale_intensity(img, "MR"), size)); y.append(label); srcs.append(src)
        m.append(None if mask is None else resize(mask.astype(np.float32), size) > 0.5)

    for k in range(3, epi.shape[2] - 2):  # EPI: time volume 0 -> train, volume 1 -> test
        add("train", epi[:, :, k, 0], 0, f"example4d.nii.gz[vol0,z{k}]")
        add("test", epi[:, :, k, 1], 0, f"example4d.nii.gz[vol1,z{k}]")
    # T1 (25 slices): slices 3-12 train normal, 15-20 test normal, lesions on 3-12 (train, few) and 15-20 (test)
    for k in range(3, 13):
        add("train", t1[:, :, k], 1, f"anatomical.nii[z{k}]")
    for k in range(15, 21):
        add("test", t1[:, :, k], 1, f"anatomical.nii[z{k}]")
    for k in (4, 8, 11):
        img, mask = simulate_lesion(t1[:, :, k], random_state=int(rng.integers(2**31)))
        add("train", img, 2, f"anatomical.nii[z{k}]+lesion", mask)
    for k in range(15, 21):
        for rep in range(2):
            img, mask = simulate_lesion(t1[:, :, k], random_state=int(rng.integers(2**31)))
            add("test", img, 2, f"anatomical.nii[z{k}]+lesion{rep}", mask)
    out = {}
    for s, (x, y, srcs, m) in split.items():
        out[s] = (np.stack(x)[:, None].astype(np.float32), np.asarray(y), names, srcs, m)
    return out
