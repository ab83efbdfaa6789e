"""Reports through the evaluation core's Report: an augmentation run, and synthetic vs real images."""

from __future__ import annotations

import numpy as np

from .._util.figures import new_figure
from ..evaluation.metric import comparator, metric
from ..evaluation.report import Report
from .classifier import SmallCNN
from .io import labelled_arrays
from .metrics import image_metrics


# images have no validity check in pharmasynth (no rules apply to pixels): the group is not part of
# an image report's overall score, and says so through its weight of 0
IMAGE_GROUP_WEIGHTS = {"fidelity": 1 / 3, "utility": 1 / 3, "privacy": 1 / 3, "validity": 0.0}


def _grid_figure(real_x, real_y, synth, names, rare, n=6):
    rows = [(c, real_x[real_y == i][:n]) for i, c in enumerate(names)] + [(f"{rare} (synthetic)", synth[:n])]
    fig, axes = new_figure(len(rows), n, figsize=(n * 1.1, len(rows) * 1.2), squeeze=False)
    for r, (title, imgs) in enumerate(rows):
        for j in range(n):
            ax = axes[r, j]
            ax.axis("off")
            if j < len(imgs):
                ax.imshow(imgs[j, 0], cmap="gray", vmin=-1, vmax=1)
        axes[r, 0].set_title(title, fontsize=7, loc="left")
    return fig


def _recall_figure(result):
    fig, ax = new_figure(figsize=(6, 3))
    names = result.class_names
    for off, arm in ((-0.18, "real_only"), (0.18, "real_plus_synthetic")):
        d = getattr(result, arm)["per_class_recall"]
        v = np.array([d[c]["value"] for c in names])
        lo = v - np.array([d[c]["ci_low"] for c in names])
        hi = np.array([d[c]["ci_high"] for c in names]) - v
        ax.bar(np.arange(len(names)) + off, v, width=0.35, yerr=[lo, hi], capsize=3, label=arm)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("recall (95% CI)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    return fig


def augmentation_report(result, real_x=None, real_y=None, extra_metrics=()) -> Report:
    """Report with the headline rows, the real-vs-synthetic grid and the recall chart."""
    rows = []
    for arm in ("real_only", "real_plus_synthetic"):
        d = getattr(result, arm)
        r = d["per_class_recall"][result.rare]
        b = d["balanced_accuracy"]
        arm_rows = [metric(f"{result.rare}_recall_{arm}", "utility", r["value"], direction="higher",
                           bounds=(0.0, 1.0), ci=(r["ci_low"], r["ci_high"])),
                    metric(f"balanced_accuracy_{arm}", "utility", b["value"], direction="higher",
                           bounds=(0.0, 1.0), ci=(b["ci_low"], b["ci_high"]))]
        # the real-only classifier is what augmentation is compared WITH: a comparator, never averaged
        # into the utility score (averaging it rewarded the baseline as if it were a result)
        rows += [comparator(m, "real-only classifier") for m in arm_rows] if arm == "real_only" else arm_rows
    rep = Report(rows + list(extra_metrics), title="pharmasynth imaging: rare-class augmentation",
                 group_weights=IMAGE_GROUP_WEIGHTS,
                 missing_hints={"fidelity": "pass the image metrics of the kept synthetic images (extra_metrics)",
                                "privacy": "pass the near-copy metric of the kept synthetic images (extra_metrics)"},
                 meta={"rare_class": result.rare, "filter_counts": result.filter_counts, **result.settings})
    if real_x is not None and result.synthetic is not None:
        grid = _grid_figure(real_x, real_y, result.synthetic, result.class_names, result.rare)
        rep.add_figure("real vs synthetic images per class", grid,
                       caption="top rows: real training images; last row: kept synthetic samples")
    rep.add_figure("per-class recall on real held-out images", _recall_figure(result),
                   caption="mean over seeds; 95% pooled bootstrap CI")
    return rep


def image_report(real, synthetic, real_name: str = "the real images", random_state=0) -> Report:
    """FID, MS-SSIM diversity and near-copies of `synthetic` images against a labelled `real` set.

    `real`: an ImageFolder-like object or (images, labels, class_names); `synthetic`: images or an
    ImageFolder-like object. FID uses the penultimate layer of a `SmallCNN` trained on `real` (offline,
    nothing downloaded); near-copies are searched among the real images; `random_state` seeds both.
    """
    x, y, names = labelled_arrays(real)
    synth = np.asarray(getattr(synthetic, "images", synthetic), np.float32)
    extractor = SmallCNN(len(names), random_state=random_state).fit(x, y)
    rows = image_metrics(x, synth, training=x, feature_fn=extractor.features,
                         extractor_name=f"SmallCNN penultimate layer trained on {real_name}",
                         random_state=random_state)
    return Report(rows, title="pharmasynth imaging: synthetic vs real",
                  group_weights={"fidelity": 0.5, "utility": 0.0, "privacy": 0.5, "validity": 0.0})
