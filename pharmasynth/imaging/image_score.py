"""How `imaging evaluate` scores synthetic images: FID calibrated between real and noise, and a judge.

The old score averaged only the MS-SSIM diversity term, so pure noise (maximally "diverse") scored
0.92 and real images 0.74. Now:

    fid              FID of the synthetic images to held-out real ones (half B of the real set) on the
                     features of a fixed SmallCNN trained on the other half (A), scored on the declared
                     bounds [real-vs-real floor, noise]: FID(A, B) -> 1, FID(uniform noise, B) -> 0
                     (the same number of images in each comparison: FID's small-sample bias cancels)
    placed_in_class  share of labelled synthetic images the same real-only judge assigns to their class
                     (beside it, as a comparator, the share for the held-out real half; the judge's
                     sensitivity and specificity per class on that half in the row's details: a
                     placement means little from a judge that cannot tell the classes apart)
    the judge        `fidelity.reference_classifier`: the recipe of `judge.JUDGE_SETTINGS` (60 epochs,
                     width 32, half the images degraded in resolution), the same as the demo's
    ms_ssim diversity  reported, never scored (noise is the most "diverse" set of all)
    near_copy_fraction privacy: synthetic images with SSIM >= 0.95 to a real image

So noise scores near 0 on fidelity, class-like samples in between, real images near 1.
"""

from __future__ import annotations

import numpy as np

from ..evaluation.metric import MetricResult, comparator, guarded, metric
from .fidelity import fid_between, noise_reference, reference_classifier
from .judge import judge_accuracy
from .metrics import diversity_metric, nearest_ssim


def split_halves(y, random_state=0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of two halves of a labelled set, stratified by class (seeded)."""
    rng = np.random.default_rng(random_state)
    a, b = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        a.append(idx[: (len(idx) + 1) // 2]); b.append(idx[(len(idx) + 1) // 2:])
    return np.concatenate(a), np.concatenate(b)


def image_score_rows(real_x, real_y, class_names, synthetic, synthetic_y=None, real_name: str = "the real images",
                     copy_threshold: float = 0.95, n_pairs: int = 200, epochs: int | None = None,
                     random_state=0) -> tuple[list[MetricResult], dict]:
    """The metric rows of an image report and the numbers its lead needs (see the module docstring)."""
    rng = np.random.default_rng(random_state)
    a, b = split_halves(real_y, random_state)
    judge = reference_classifier(real_x[a], real_y[a], len(class_names), epochs=epochs, random_state=random_state)
    ref_a, ref_b = real_x[a], real_x[b]
    n = min(len(ref_a), len(synthetic))
    syn_n = synthetic[rng.choice(len(synthetic), n, replace=False)] if len(synthetic) > n else synthetic
    facts = {}
    rows: list[MetricResult] = []

    def _fid():
        floor = fid_between(judge, ref_a[:n] if len(ref_a) > n else ref_a, ref_b)
        noise = fid_between(judge, noise_reference(n, synthetic.shape[1:], random_state), ref_b)
        value = fid_between(judge, syn_n, ref_b)
        facts.update(fid=value, fid_floor=floor, fid_noise=noise)
        details = {"extractor": f"SmallCNN penultimate layer trained on half of {real_name}",
                   "real_vs_real_floor": floor, "noise_reference": noise, "n_each": int(n),
                   "n_heldout_real": int(len(ref_b))}
        if not (np.isfinite(noise) and np.isfinite(floor) and noise > floor):
            return metric("fid", "fidelity", value, direction="lower", bounds=(0.0, float("inf")), details=details,
                          notes="not scored: the noise reference is not above the real-vs-real floor (too few images)")
        return metric("fid", "fidelity", value, direction="lower", bounds=(floor, noise), details=details,
                      notes=f"scored between the real-vs-real floor {floor:.3g} (1) and uniform noise {noise:.3g} (0)")
    rows += guarded("fid", "fidelity", _fid)

    if synthetic_y is not None:
        def _placed():
            pred = judge.predict_proba(synthetic).argmax(1)
            value = float(np.mean(pred == synthetic_y))
            per_class = {c: float(np.mean(pred[synthetic_y == k] == k)) for k, c in enumerate(class_names)
                         if np.any(synthetic_y == k)}
            real_pred = judge.predict_proba(ref_b).argmax(1)
            real_value = float(np.mean(real_pred == real_y[b]))
            accuracy = {c: judge_accuracy(judge, ref_b, real_y[b], class_names, k) for k, c in enumerate(class_names)}
            judge_sens = {c: a["sensitivity"] for c, a in accuracy.items()}
            judge_spec = {c: a["specificity"] for c, a in accuracy.items()}
            facts.update(placed=value, placed_real=real_value, judge_sensitivity=judge_sens,
                         judge_specificity=judge_spec)
            own = metric("placed_in_class", "fidelity", value, direction="higher", bounds=(0.0, 1.0),
                         details={"per_class": per_class, "judge": f"SmallCNN trained on half of {real_name}",
                                  "judge_sensitivity_heldout_real": judge_sens,
                                  "judge_specificity_heldout_real": judge_spec})
            ref = comparator(metric("placed_in_class_heldout_real", "fidelity", real_value, direction="higher",
                                    bounds=(0.0, 1.0)), "held-out real images, the same judge")
            return [own, ref]
        rows += guarded("placed_in_class", "fidelity", _placed)

    rows += guarded("ms_ssim_between_synthetic", "fidelity",
                    lambda: diversity_metric(synthetic, rng, n_pairs, score=None,
                                             notes="reported, not scored: noise is the most diverse set"))

    def _mem():
        best, _ = nearest_ssim(synthetic, real_x)
        frac = float(np.mean(best >= copy_threshold))
        facts["near_copy"] = frac
        return metric("near_copy_fraction", "privacy", frac, direction="lower", bounds=(0.0, 1.0),
                      details={"threshold_ssim": copy_threshold, "median_nearest_ssim": float(np.median(best)),
                               "n_flagged": int((best >= copy_threshold).sum())})
    rows += guarded("near_copy_fraction", "privacy", _mem)
    return rows, facts
