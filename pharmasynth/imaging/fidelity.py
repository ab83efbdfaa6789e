"""Class fidelity of synthetic images, judged by fixed models trained on real images only.

    reference_classifier   the toolkit's fixed judge and FID feature extractor: `judge.train_judge`
                           (a class-weighted SmallCNN, the recipe in judge.JUDGE_SETTINGS) trained on
                           real images (its penultimate layer gives the features)
    class_fidelity         per class: FID of the synthetic images to held-out real ones beside the
                           real-vs-real floor (a perfect generator's FID at the same sample sizes),
                           the share the judge places in their class (kept synthetic, all generated,
                           noise) beside the judge's own sensitivity and specificity on held-out real
                           images, mean intensities and the near-copy rate
    noise_reference        uniform noise in [-1, 1]: the worst case every score is calibrated against

The floor matters because FID on a few dozen images is biased upward: 30 synthetic images are only
judged against what 30 *real* images of the class reach against the same held-out set.
"""

from __future__ import annotations

import numpy as np

from .judge import Judge, judge_accuracy, train_judge
from .metrics import fid, nearest_ssim


def reference_classifier(images, labels, num_classes: int, epochs: int | None = None, n_models: int = 1,
                         random_state=0) -> Judge:
    """The fixed judge / feature extractor trained on REAL images only (`judge.train_judge`: class-weighted
    SmallCNN, `judge.JUDGE_SETTINGS`; `epochs` overrides the recipe's, `n_models` > 1 averages seeds)."""
    return train_judge(images, labels, num_classes, n_models=n_models, epochs=epochs, random_state=random_state)


def noise_reference(n: int, shape, random_state=0) -> np.ndarray:
    """`n` images of uniform noise in [-1, 1] (the calibration's worst case)."""
    return np.random.default_rng(random_state).uniform(-1, 1, (int(n), *shape)).astype(np.float32)


def fid_between(extractor, a, b) -> float:
    """FID between two image sets on the extractor's features (nan when either has < 2 images)."""
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    return fid(extractor.features(b), extractor.features(a))


def placed_in_class(judge, images, k: int) -> float:
    """Share of `images` the judge assigns to class `k` (nan for no images)."""
    if not len(images):
        return float("nan")
    return float(np.mean(judge.predict_proba(images).argmax(1) == k))


def class_fidelity(judge, heldout_x, heldout_y, synthetic_x, synthetic_y, class_names, floor_x=None,
                   floor_y=None, training_x=None, copy_threshold: float = 0.95, generated_x=None,
                   generated_y=None, confusers=None, random_state=0):
    """One row per class with synthetic images: FID to the held-out real images of the class, the floor,
    their ratio, the judge's placement of synthetic images (`placed_in_class`; of all generated ones,
    before any filter, when `generated_x/generated_y` are given; of uniform noise), the judge's own
    sensitivity (`placed_in_class_heldout_real`) and specificity (`judge_specificity`: held-out real
    images of the other classes not placed in the class; `confusers` {class index: index of the class it
    is hardest to tell from} adds `judge_specificity_vs_<name>`), intensities, near-copies.

    `floor_x/floor_y`: other real images of the classes (e.g. the training images, or fresh draws of a
    simulator) giving the real-vs-real floor at the synthetic sample size; `training_x`: the images the
    generator saw, searched for near-copies (SSIM >= `copy_threshold`). Returns a DataFrame.
    """
    import pandas as pd

    rng = np.random.default_rng(random_state)
    rows = []
    for k, name in enumerate(class_names):
        syn = synthetic_x[np.asarray(synthetic_y) == k]
        if not len(syn):
            continue
        real = heldout_x[np.asarray(heldout_y) == k]
        row = {"class": name, "n_synthetic": int(len(syn)), "n_heldout_real": int(len(real)),
               "fid": fid_between(judge, syn, real), "placed_in_class": placed_in_class(judge, syn, k),
               "placed_in_class_heldout_real": placed_in_class(judge, real, k),
               "mean_intensity": float(syn.mean()), "mean_intensity_heldout_real": float(real.mean())
               if len(real) else float("nan")}
        if floor_x is not None:
            ref = floor_x[np.asarray(floor_y) == k]
            if len(ref) > len(syn):  # the same sample size as the synthetic set: FID's bias depends on it
                ref = ref[rng.choice(len(ref), len(syn), replace=False)]
            row["n_floor"] = int(len(ref))
            row["fid_real_floor"] = fid_between(judge, ref, real)
            row["fid_ratio_to_floor"] = row["fid"] / row["fid_real_floor"] if row["fid_real_floor"] > 0 else np.nan
        if generated_x is not None:
            gen = generated_x[np.asarray(generated_y) == k]
            row["n_generated"] = int(len(gen))
            row["placed_in_class_generated"] = placed_in_class(judge, gen, k)
        acc = judge_accuracy(judge, heldout_x, heldout_y, class_names, k, (confusers or {}).get(k))
        row["judge_specificity"] = acc["specificity"]
        row.update({f"judge_{key}": v for key, v in acc.items() if key.startswith("specificity_vs_")})
        noise = noise_reference(len(syn), syn.shape[1:], random_state)
        row["fid_noise"] = fid_between(judge, noise, real)
        row["placed_in_class_noise"] = placed_in_class(judge, noise, k)
        if training_x is not None and len(training_x):
            best, _ = nearest_ssim(syn, training_x)
            row["near_copy_rate"] = float(np.mean(best >= copy_threshold))
            row["median_nearest_ssim"] = float(np.median(best))
        rows.append(row)
    return pd.DataFrame(rows)
