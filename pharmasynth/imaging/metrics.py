"""Image metrics reported through the evaluation core: FID, MS-SSIM diversity, memorisation.

- FID: MONAI's FIDMetric on features from an extractor given by the caller (offline; e.g. the
  penultimate layer of the toolkit's own downstream classifier). The report names the extractor.
- diversity: mean MS-SSIM between random pairs of synthetic images (MONAI MultiScaleSSIMMetric).
  At 32x32/64x64 the default 11-pixel kernel and 5 scales do not fit, so the kernel is 3 pixels
  (gaussian sigma 0.5) and the number of scales is the largest keeping each scale >= 2x kernel (equal weights).
- memorisation: for every synthetic image its nearest training image by SSIM (MONAI SSIMMetric,
  kernel 3); SSIM >= `copy_threshold` (default 0.95) flags a near-copy; privacy group.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.metric import MetricResult, guarded, metric


def _as_tensor(x):
    import torch

    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def _to_unit(x):
    """[-1, 1] -> [0, 1] so that data_range=1 in the SSIM metrics."""
    return (_as_tensor(x) + 1.0) / 2.0


def ms_ssim_settings(size: int, kernel_size: int = 3) -> tuple[int, tuple[float, ...]]:
    """Kernel and equal weights for MS-SSIM at this image size (each scale halves the image)."""
    scales = 1
    while size // (2 ** scales) >= kernel_size * 2 and scales < 5:
        scales += 1
    return kernel_size, tuple([1.0 / scales] * scales)


def ms_ssim_pairs(a, b, kernel_size: int = 3) -> np.ndarray:
    """MS-SSIM between a[i] and b[i] for images in [-1, 1] of shape (n, 1, H, W)."""
    from monai.metrics import MultiScaleSSIMMetric

    a, b = _to_unit(a), _to_unit(b)
    k, weights = ms_ssim_settings(a.shape[-1], kernel_size)
    m = MultiScaleSSIMMetric(spatial_dims=a.ndim - 2, data_range=1.0, kernel_size=k, kernel_sigma=0.5, weights=weights,
                             reduction="none")
    return m(a, b).numpy().reshape(-1)


def nearest_ssim(synthetic, training, kernel_size: int = 3, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """For every synthetic image (or volume): the SSIM of its nearest training image and that image's index."""
    import torch
    from monai.metrics import SSIMMetric

    s, t = _to_unit(synthetic), _to_unit(training)
    m = SSIMMetric(spatial_dims=s.ndim - 2, data_range=1.0, win_size=kernel_size, kernel_sigma=0.5, reduction="none")
    best = np.full(len(s), -np.inf)
    arg = np.zeros(len(s), dtype=np.int64)
    for i in range(len(s)):
        vals = []
        for j0 in range(0, len(t), chunk):
            tt = t[j0:j0 + chunk]
            vals.append(m(s[i:i + 1].expand(len(tt), *s.shape[1:]), tt).reshape(-1))
        v = torch.cat(vals).numpy()
        arg[i], best[i] = int(v.argmax()), float(v.max())
    return best, arg


def diversity_metric(synthetic, rng, n_pairs: int, details: dict | None = None, **metric_kwargs) -> MetricResult:
    """Mean MS-SSIM between `n_pairs` random pairs of distinct synthetic images (lower = more diverse)."""
    i = rng.integers(0, len(synthetic), n_pairs)
    j = rng.integers(0, len(synthetic), n_pairs)
    keep = i != j
    v = ms_ssim_pairs(synthetic[i[keep]], synthetic[j[keep]])
    k, w = ms_ssim_settings(synthetic.shape[-1])
    return metric("ms_ssim_between_synthetic", "fidelity", float(np.mean(v)), direction="lower", bounds=(0.0, 1.0),
                  details={"kernel_size": k, "weights": list(w), "pairs": int(keep.sum()), **(details or {})},
                  **metric_kwargs)


def fid(real_features, synthetic_features) -> float:
    """Frechet distance between two feature sets with MONAI's FIDMetric.

    With fewer images than features the covariances are singular and scipy warns on every call;
    the callers say so once in their notes ("a rough guide at this size"), so the warning is muted."""
    import warnings

    from monai.metrics import FIDMetric
    from scipy.linalg import LinAlgWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)
        return float(FIDMetric()(_as_tensor(synthetic_features), _as_tensor(real_features)))


def image_metrics(real, synthetic, training=None, feature_fn=None, extractor_name: str = "not given",
                  copy_threshold: float = 0.95, n_pairs: int = 200, random_state=0) -> list[MetricResult]:
    """FID (when `feature_fn` maps images -> features), MS-SSIM diversity and memorisation rows."""
    rng = np.random.default_rng(random_state)
    synthetic = np.asarray(synthetic, dtype=np.float32)
    rows: list[MetricResult] = []
    if feature_fn is not None:
        def _fid():
            fr, fs = feature_fn(real), feature_fn(synthetic)
            n_min = min(len(fr), len(fs))
            note = (f"only {n_min} images for {fr.shape[1]} features: covariances are singular and FID is "
                    "a rough guide at this size" if n_min <= fr.shape[1] else "")
            return metric("fid", "fidelity", fid(fr, fs), direction="lower", bounds=(0.0, float("inf")),
                          notes=note, details={"extractor": extractor_name, "n_real": len(fr),
                                               "n_synthetic": len(fs)})
        rows += guarded("fid", "fidelity", _fid)

    rows += guarded("ms_ssim_between_synthetic", "fidelity",
                    lambda: diversity_metric(synthetic, rng, n_pairs, details={"note": "lower = more diverse"}))
    if training is not None:
        def _mem():
            best, _ = nearest_ssim(synthetic, training)
            frac = float(np.mean(best >= copy_threshold))
            return metric("near_copy_fraction", "privacy", frac, direction="lower", bounds=(0.0, 1.0),
                          details={"threshold_ssim": copy_threshold, "median_nearest_ssim": float(np.median(best)),
                                   "n_flagged": int((best >= copy_threshold).sum())})
        rows += guarded("near_copy_fraction", "privacy", _mem)
    return rows
