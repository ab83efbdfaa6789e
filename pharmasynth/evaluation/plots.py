"""Figures of the tabular report, drawn from the metric rows alone (their `details`).

Each function returns a `matplotlib.figure.Figure` made with `_util.figures.new_figure` (no pyplot);
`report_figures` lists every figure a set of metric rows supports, as (title, figure, caption, section).
"""

from __future__ import annotations

import numpy as np

from .._util.figures import new_figure
from .metric import MetricResult


def _density(counts, edges) -> np.ndarray:
    """Counts on bins -> a density that integrates to 1 over them (as `hist(density=True)` draws)."""
    counts = np.asarray(counts, dtype=float)
    return counts / max(counts.sum(), 1.0) / np.diff(edges)


def marginals_figure(per_column: list[dict], max_columns: int = 12):
    """Small multiples, worst column first: densities (numeric, datetime) or category frequencies."""
    cols = sorted(per_column, key=lambda r: r["similarity"])[:max_columns]
    ncol = 4
    nrow = int(np.ceil(len(cols) / ncol)) or 1
    fig, axes = new_figure(nrow, ncol, figsize=(3.2 * ncol, 2.4 * nrow), squeeze=False)
    for ax, row in zip(axes.ravel(), cols):
        h = row["histogram"]
        if "edges" in h:
            edges = np.asarray(h["edges"])
            for side in ("real", "synthetic"):
                ax.stairs(_density(h[side], edges), edges, fill=True, alpha=0.55, label=side)
            ax.set_ylabel("density", fontsize=8)
        else:
            x = np.arange(len(h["categories"]))
            ax.bar(x - 0.2, np.divide(h["real"], max(h["n_real"], 1)), 0.4, label="real")
            ax.bar(x + 0.2, np.divide(h["synthetic"], max(h["n_synthetic"], 1)), 0.4, label="synthetic")
            ax.set_xticks(x, [c[:8] for c in h["categories"]], rotation=45, fontsize=7)
            ax.set_ylabel("share of rows", fontsize=8)
        ax.set_title(row["column"], fontsize=9)
        ax.set_xlabel(row["column"] + (f" ({row['unit']})" if row.get("unit") else ""), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(cols):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def correlation_difference_figure(per_pair: list[dict], columns: list[str]):
    """Heatmap of 1 - similarity for every column pair (0 = relation reproduced exactly)."""
    idx = {c: i for i, c in enumerate(columns)}
    m = np.zeros((len(columns), len(columns)))
    for r in per_pair:
        m[idx[r["column_a"]], idx[r["column_b"]]] = m[idx[r["column_b"]], idx[r["column_a"]]] = 1.0 - r["similarity"]
    size = max(4.0, 0.32 * len(columns) + 2)
    fig, ax = new_figure(figsize=(size + 1, size))
    im = ax.imshow(m, cmap="Reds", vmin=0, vmax=max(0.3, float(m.max())))
    ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(columns)), columns, fontsize=7)
    fig.colorbar(im, ax=ax, fraction=0.046, label="1 - pair similarity")
    fig.tight_layout()
    return fig


def dcr_figure(histogram: dict):
    """Density of the distance to closest record, synthetic -> train (and -> holdout)."""
    fig, ax = new_figure(figsize=(5.2, 3.6))
    edges = np.asarray(histogram["edges"])
    for key, label in (("train", "synthetic -> train"), ("holdout", "synthetic -> holdout")):
        if histogram[key] is not None:
            ax.stairs(_density(histogram[key], edges), edges, fill=True, alpha=0.6, label=label)
    ax.set_xlabel("distance to closest record")
    ax.set_ylabel("density")
    ax.legend()
    return fig


def roc_figure(curves: dict[str, tuple[float, dict]]):
    """ROC curves of the membership attacks: {attack: (AUC, {"fpr": [...], "tpr": [...]})}."""
    fig, ax = new_figure(figsize=(4.6, 4.2))
    for name, (auc, roc) in curves.items():
        ax.plot(roc["fpr"], roc["tpr"], label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.legend(loc="lower right")
    return fig


def report_figures(metrics: list[MetricResult]) -> list[tuple]:
    """(title, figure, caption, section) for every figure the rows' details support, fidelity first."""
    details = {m.name: m.details for m in metrics}
    out = []
    per_column = details.get("column_shape", {}).get("per_column")
    if per_column:
        out.append(("Marginals: real vs synthetic (worst columns first)", marginals_figure(per_column), "", "fidelity"))
        per_pair = details.get("pair_trends", {}).get("per_pair")
        if per_pair:
            out.append(("Pair trends: 1 - similarity per column pair",
                        correlation_difference_figure(per_pair, [r["column"] for r in per_column]),
                        "Dark cells are relations between columns that the synthetic data do not reproduce.",
                        "fidelity"))
    histogram = details.get("dcr_baseline_protection", {}).get("dcr_histogram")
    if histogram:
        out.append(("Distance to closest record", dcr_figure(histogram),
                    "A synthetic set that memorised its training data piles up near 0 on the 'train' side.", "privacy"))
    rocs = {name: m for name in ("distance", "domias") for m in metrics
            if m.name == f"mia_{name}_auc" and "roc" in m.details}
    if rocs:
        d = next(iter(rocs.values())).details
        curves = {k: (m.value, m.details["roc"]) for k, m in rocs.items()}
        out.append(("Membership-inference ROC curves", roc_figure(curves),
                    f"{d['n_members']:,} members (training rows) vs {d['n_non_members']:,} non-members (holdout rows)",
                    "privacy"))
    return out
