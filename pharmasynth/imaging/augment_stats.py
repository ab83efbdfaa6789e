"""The statistics of the augmentation arms: per-seed metrics and a bootstrap over seeds AND test images.

Each arm trains the same classifier once per seed; its predictions on the held-out images are the
data. A bootstrap replicate draws the seeds with replacement (the seed-to-seed variance of training)
and the held-out images with replacement within each class (the test-set variance), and averages
the metric over the drawn seeds on the drawn images. All arms use the SAME draws in a replicate
(paired), so the fraction of the comparator's gain,

    (real+synthetic - real-only) / (comparator - real-only),

is computed per replicate and its CI keeps the pairing. Intervals are 2.5/97.5 percentiles.
With 3 seeds whose rare-class recall is 1, 1, 0 the interval now spans the seeds' spread
instead of collapsing to a point (the old interval resampled the test images only).
"""

from __future__ import annotations

import numpy as np


def recalls(y, pred, k: int) -> np.ndarray:
    """Per-class recall (nan for a class absent from `y`)."""
    y = np.asarray(y, np.int64)
    hits = np.bincount(y[pred == y], minlength=k)[:k].astype(float)
    total = np.bincount(y, minlength=k)[:k]
    return np.where(total > 0, hits / np.maximum(total, 1), np.nan)


def auc(y_bin, score) -> float:
    """One-vs-rest ROC AUC by the Mann-Whitney U statistic (ties count half); nan with one class only."""
    y_bin = np.asarray(y_bin, bool)
    n1, n0 = int(y_bin.sum()), int((~y_bin).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    # average ranks (ties share theirs), 1-based: scipy's rankdata, without its overhead per call
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]
    return float((ranks[y_bin].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def seed_metrics(y, probs, k: int, rare: int) -> np.ndarray:
    """[recall of class 0..K-1, balanced accuracy, rare-class AUC] of one seed's predicted probabilities."""
    rec = recalls(y, probs.argmax(1), k)
    return np.concatenate([rec, [np.nanmean(rec), auc(y == rare, probs[:, rare])]])


def bootstrap_draws(y, n_seeds: int, n_boot: int, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    """`n_boot` (seed indices, held-out indices) pairs: seeds with replacement, images within class."""
    strata = [np.flatnonzero(y == c) for c in np.unique(y)]
    return [(rng.integers(0, n_seeds, n_seeds), np.concatenate([rng.choice(s, len(s)) for s in strata]))
            for _ in range(int(n_boot))]


def replicate_metrics(y, probs_by_seed, k: int, rare: int, draws) -> np.ndarray:
    """(n_boot, K + 2) metrics of one arm, one row per bootstrap draw (mean over the drawn seeds)."""
    out = np.empty((len(draws), k + 2))
    for b, (seeds, idx) in enumerate(draws):
        # a seed drawn twice counts twice; compute each distinct seed once
        uniq, counts = np.unique(seeds, return_counts=True)
        vals = np.array([seed_metrics(y[idx], probs_by_seed[s][idx], k, rare) for s in uniq])
        out[b] = np.average(vals, axis=0, weights=counts)
    return out


def with_ci(value, replicates) -> dict:
    replicates = np.asarray(replicates, float)
    finite = replicates[np.isfinite(replicates)]
    if not len(finite):
        return {"value": float(value), "ci_low": float("nan"), "ci_high": float("nan")}
    return {"value": float(value), "ci_low": float(np.percentile(finite, 2.5)),
            "ci_high": float(np.percentile(finite, 97.5))}


def arm_summary(y, probs_by_seed, seeds, names, rare: int, draws) -> tuple[dict, np.ndarray]:
    """The arm's point values (mean over seeds, full held-out set) with CIs, its per-seed rows, and
    the replicate matrix (for paired comparisons)."""
    k = len(names)
    per_seed = np.array([seed_metrics(y, p, k, rare) for p in probs_by_seed])
    point = per_seed.mean(0)
    reps = replicate_metrics(y, probs_by_seed, k, rare, draws)
    summary = {"per_class_recall": {c: with_ci(point[i], reps[:, i]) for i, c in enumerate(names)},
               "balanced_accuracy": with_ci(point[k], reps[:, k]),
               "rare_auc": with_ci(point[k + 1], reps[:, k + 1]),
               "per_seed": [{"seed": int(s), "per_class_recall": {c: float(row[i]) for i, c in enumerate(names)},
                             "balanced_accuracy": float(row[k]), "rare_auc": float(row[k + 1])}
                            for s, row in zip(seeds, per_seed)],
               "seed_sd": {"rare_recall": float(per_seed[:, rare].std(ddof=1)) if len(per_seed) > 1 else None,
                           "balanced_accuracy": float(per_seed[:, k].std(ddof=1)) if len(per_seed) > 1 else None}}
    return summary, np.vstack([point, reps])


def fraction_of_gain(base, treated, comparator, names) -> dict:
    """(treated - base) / (comparator - base) per class recall and for balanced accuracy, with paired CIs.

    Each argument is an arm's matrix from `arm_summary` (row 0 the point values, then replicates).
    The value is nan where the comparator gains nothing (|gain| < 1e-9); replicates whose
    comparator gain is 0 are left out of the interval (`n_undefined` counts them); `interpretable`
    is False when the comparator's own gain has a CI covering 0 (then the ratio is noise)."""
    out = {}
    cols = list(enumerate(names)) + [(len(names), "balanced_accuracy")]
    for i, label in cols:
        num = treated[:, i] - base[:, i]
        den = comparator[:, i] - base[:, i]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(np.abs(den) > 1e-9, num / den, np.nan)
        entry = with_ci(ratio[0], ratio[1:])
        entry["n_undefined"] = int(np.sum(~np.isfinite(ratio[1:])))
        entry["comparator_gain"] = with_ci(den[0], den[1:])
        # a ratio over a gain that is not distinguishable from 0 is not a number anyone should read
        lo, hi = entry["comparator_gain"]["ci_low"], entry["comparator_gain"]["ci_high"]
        entry["interpretable"] = bool(np.isfinite(ratio[0]) and not (lo <= 0 <= hi))
        out[label] = entry
    return out
