"""HTML/JSON report of an augmentation run through the evaluation core's Report."""

from __future__ import annotations

import numpy as np

from ..evaluation.metric import metric
from ..evaluation.report import Report


def _grid_figure(real_x, real_y, synth, names, rare, n=6):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(c, real_x[real_y == i][:n]) for i, c in enumerate(names)] + [(f"{rare} (synthetic)", synth[:n])]
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 1.1, len(rows) * 1.2), squeeze=False)
    for r, (title, imgs) in enumerate(rows):
        for j in range(n):
            ax = axes[r, j]
            ax.axis("off")
            if j < len(imgs):
                ax.imshow(imgs[j, 0], cmap="gray", vmin=-1, vmax=1)
        axes[r, 0].set_title(title, fontsize=7, loc="left")
    return fig


def _recall_figure(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
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
        rows.append(metric(f"{result.rare}_recall_{arm}", "utility", r["value"], ci=(r["ci_low"], r["ci_high"])))
        b = d["balanced_accuracy"]
        rows.append(metric(f"balanced_accuracy_{arm}", "utility", b["value"], ci=(b["ci_low"], b["ci_high"])))
    rep = Report(rows + list(extra_metrics), title="pharmasynth imaging: rare-class augmentation",
                 meta={"rare_class": result.rare, "filter_counts": result.filter_counts, **result.settings})
    if real_x is not None and result.synthetic is not None:
        rep.add_figure("real vs synthetic images per class", _grid_figure(real_x, real_y, result.synthetic,
                       result.class_names, result.rare), caption="top rows: real training images; last row: kept synthetic samples")
    rep.add_figure("per-class recall on real held-out images", _recall_figure(result),
                   caption="mean over seeds; 95% pooled bootstrap CI")
    return rep
