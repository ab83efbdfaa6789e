"""Figures without pyplot: no global backend switch, no figure registry to leak or close.

`new_figure` returns a `matplotlib.figure.Figure` and its axes; `figure_to_png_base64` renders it
(matplotlib picks its Agg canvas for PNG output by itself).
"""

from __future__ import annotations

import base64
import io


def new_figure(nrows: int = 1, ncols: int = 1, figsize=(6.0, 4.0), squeeze: bool = True, **subplots_kw):
    """(figure, axes) like `pyplot.subplots`, on a Figure that belongs to nobody but the caller."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze, **subplots_kw)


def figure_to_png_base64(fig, dpi: int = 110) -> str:
    """A PNG of the figure, base64-encoded for embedding in HTML."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")
