"""Figures of the imaging reports: the labelled real-vs-synthetic grid and the recall chart of the arms."""

from __future__ import annotations

import numpy as np

from .._util.figures import new_figure

ARM_LABELS = {"real_only": "real only", "real_plus_synthetic": "real + synthetic",
              "real_plus_oracle": "real + oracle (simulator)", "real_plus_classic": "real + classic augmentation"}


def _slice(img):
    """The image of a (C, H, W) array, or the middle axial slice of a (C, D, H, W) volume."""
    img = np.asarray(img)
    return img[0] if img.ndim == 3 else img[0, img.shape[1] // 2]


def grid_figure(real_x, real_y, class_names, synthetic=None, rare=None, n: int = 8):
    """One row per class of REAL training images, then a row of SYNTHETIC rare-class images; each
    row labelled with its class and "real" / "synthetic", tiles 1.4 inch wide."""
    rows = [(f"{c} — real", real_x[np.asarray(real_y) == i][:n]) for i, c in enumerate(class_names)]
    if synthetic is not None:
        rows.append((f"{rare} — SYNTHETIC (kept)", np.asarray(synthetic)[:n]))
    fig, axes = new_figure(len(rows), n, figsize=(n * 1.4, len(rows) * 1.6), squeeze=False)
    for r, (title, imgs) in enumerate(rows):
        synthetic_row = "SYNTHETIC" in title
        for j in range(n):
            ax = axes[r, j]
            ax.set_xticks([]); ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(j < len(imgs))
                spine.set_color("tab:orange" if synthetic_row else "0.6")
                spine.set_linewidth(2.0 if synthetic_row else 0.5)
            if j < len(imgs):
                ax.imshow(_slice(imgs[j]), cmap="gray", vmin=-1, vmax=1)
        axes[r, 0].set_title(title, fontsize=10, loc="left", fontweight="bold" if synthetic_row else "normal",
                             color="tab:orange" if synthetic_row else "black")
        if not len(imgs):
            axes[r, 0].text(0.05, 0.5, "none kept", fontsize=9, transform=axes[r, 0].transAxes)
    fig.tight_layout()
    return fig


def recall_figure(result):
    """Per-class recall (95% CI) of every arm that was run."""
    arms = [a for a in ARM_LABELS if getattr(result, a, None) is not None]
    fig, ax = new_figure(figsize=(7, 3.2))
    names = result.class_names
    width = 0.8 / len(arms)
    for j, arm in enumerate(arms):
        d = getattr(result, arm)["per_class_recall"]
        v = np.array([d[c]["value"] for c in names])
        lo = np.clip(v - np.array([d[c]["ci_low"] for c in names]), 0, None)
        hi = np.clip(np.array([d[c]["ci_high"] for c in names]) - v, 0, None)
        ax.bar(np.arange(len(names)) - 0.4 + width * (j + 0.5), v, width=width, yerr=[lo, hi], capsize=3,
               label=ARM_LABELS[arm])
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("recall (95% CI)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, loc="lower right")
    return fig
