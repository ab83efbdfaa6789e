"""Figures without pyplot: no global backend switch, no figure registry to leak or close.

`new_figure` returns a `matplotlib.figure.Figure` and its axes; `figure_to_png_base64` renders it
(matplotlib picks its Agg canvas for PNG output by itself) after `ensure_readable` has raised any
text that would be smaller than 10 px as the report page shows the image (at most `PAGE_PX` wide:
a wider PNG is scaled down by the browser, and its text with it).
"""

from __future__ import annotations

import base64
import io
import warnings

PAGE_PX = 980      # the widest an image is shown in a report page (1024 px window, page margins)
MIN_TEXT_PX = 10   # the smallest text a reader should have to read, at the size the page shows it
DPI = 110


def new_figure(nrows: int = 1, ncols: int = 1, figsize=(6.0, 4.0), squeeze: bool = True, **subplots_kw):
    """(figure, axes) like `pyplot.subplots`, on a Figure that belongs to nobody but the caller."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze, **subplots_kw)


def min_font_points(fig, dpi: int = DPI, min_px: float = MIN_TEXT_PX, page_px: float = PAGE_PX) -> float:
    """The smallest font size (points) that shows as `min_px` pixels once the PNG is fitted to `page_px`."""
    scale = min(1.0, page_px / (fig.get_figwidth() * dpi))
    return min_px * 72.0 / (dpi * scale)


def ensure_readable(fig, dpi: int = DPI, min_px: float = MIN_TEXT_PX, page_px: float = PAGE_PX) -> bool:
    """Raise every text of `fig` (tick labels, labels, titles, legends, annotations) to at least
    `min_font_points`; re-run the tight layout when something grew so that labels do not overlap
    the next panel. Returns True when a font size was changed."""
    from matplotlib.text import Text

    floor = min_font_points(fig, dpi, min_px, page_px)
    changed = False
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for which, ticks in (("major", axis.get_major_ticks()), ("minor", axis.get_minor_ticks())):
                if ticks and ticks[0].label1.get_fontsize() < floor - 1e-6:
                    axis.set_tick_params(which=which, labelsize=floor)
                    changed = True
    for text in fig.findobj(Text):
        if text.get_text() and text.get_fontsize() < floor - 1e-6:
            text.set_fontsize(floor)
            changed = True
    if changed:
        engine = fig.get_layout_engine()
        if engine is None or type(engine).__name__ == "TightLayoutEngine":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "tight_layout not applied" for odd grids: the old layout stays
                fig.tight_layout()
    return changed


def figure_to_png_base64(fig, dpi: int = DPI, readable: bool = True) -> str:
    """A PNG of the figure (text made readable first, see `ensure_readable`), base64 for HTML."""
    if readable:
        ensure_readable(fig, dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")
