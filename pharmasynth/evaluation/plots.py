"""Plots for the tabular report: marginals real vs synthetic, and the correlation difference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tabular import TableSchema


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def marginals_figure(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, shapes: pd.DataFrame | None = None,
                     max_columns: int = 12):
    """Small multiples: histogram (numeric) or bar chart (categorical) per column, worst first."""
    plt = _plt()
    cols = list(schema.kinds)
    if shapes is not None and len(shapes):
        cols = shapes.sort_values("similarity")["column"].tolist()
    cols = cols[:max_columns]
    ncol = 4
    nrow = int(np.ceil(len(cols) / ncol)) or 1
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.4 * nrow), squeeze=False)
    for ax, c in zip(axes.ravel(), cols):
        kind = schema.kinds[c]
        if kind in ("numeric", "datetime"):
            r = pd.to_numeric(real[c].astype("int64") if kind == "datetime" else real[c], errors="coerce").dropna()
            s = pd.to_numeric(synthetic[c].astype("int64") if kind == "datetime" else synthetic[c], errors="coerce").dropna()
            lo, hi = np.nanquantile(np.r_[r, s], [0.005, 0.995]) if len(r) + len(s) else (0, 1)
            bins = np.linspace(lo, hi if hi > lo else lo + 1, 30)
            ax.hist(r, bins=bins, alpha=0.55, density=True, label="real")
            ax.hist(s, bins=bins, alpha=0.55, density=True, label="synthetic")
        else:
            pr = real[c].fillna("NA").value_counts(normalize=True)
            ps = synthetic[c].fillna("NA").value_counts(normalize=True)
            cats = pr.index[:10]
            x = np.arange(len(cats))
            ax.bar(x - 0.2, pr.reindex(cats, fill_value=0), 0.4, label="real")
            ax.bar(x + 0.2, ps.reindex(cats, fill_value=0), 0.4, label="synthetic")
            ax.set_xticks(x, [str(v)[:8] for v in cats], rotation=45, fontsize=7)
        ax.set_title(c, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(cols):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def correlation_difference_figure(pairs: pd.DataFrame, schema: TableSchema):
    """Heatmap of 1 - similarity for every column pair (0 = relation reproduced exactly)."""
    plt = _plt()
    cols = list(schema.kinds)
    idx = {c: i for i, c in enumerate(cols)}
    m = np.zeros((len(cols), len(cols)))
    for r in pairs.itertuples():
        d = 1.0 - r.similarity
        m[idx[r.column_a], idx[r.column_b]] = m[idx[r.column_b], idx[r.column_a]] = d
    size = max(4.0, 0.32 * len(cols) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(m, cmap="Reds", vmin=0, vmax=max(0.3, float(m.max())))
    ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=7)
    ax.set_yticks(range(len(cols)), cols, fontsize=7)
    fig.colorbar(im, ax=ax, fraction=0.046, label="1 - pair similarity")
    fig.tight_layout()
    return fig
