"""What the console shows: each warning once, without source lines; progress log lines; summary tables.

    with console():            warnings as "warning (RuleWarning): ..." once per message, and the
        ...                    "pharmasynth" logger (progress lines every few seconds) on stderr
    text_table(rows, columns)  a plain aligned table for the terminal

Only the CLI uses this: the library never changes `warnings.showwarning` or logging handlers.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings


class _OncePerMessage:
    """`warnings.showwarning` replacement: category and message, no file:line, no echoed source line."""

    def __init__(self, stream=None):
        self.stream = stream
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, message, category, filename, lineno, file=None, line=None):
        key = (category.__name__, str(message))
        if key in self.seen:
            return
        self.seen.add(key)
        out = file or self.stream or sys.stderr
        try:
            out.write(f"warning ({category.__name__}): {message}\n")
        except (OSError, ValueError):  # a closed stream must not turn a warning into a crash
            pass


@contextlib.contextmanager
def console(stream=None, level: int = logging.INFO):
    """Readable warnings (each once) and progress log lines on stderr for the duration of a command."""
    old_show = warnings.showwarning
    logger = logging.getLogger("pharmasynth")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._pharmasynth_console = True
    nested = any(getattr(h, "_pharmasynth_console", False) for h in logger.handlers)
    old_level = logger.level
    with warnings.catch_warnings():  # the filters stay as they are (third-party deprecations stay hidden)
        if not nested:  # an outer console() already shows warnings and progress: once is enough
            warnings.showwarning = _OncePerMessage(stream)
            logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            warnings.showwarning = old_show


def text_table(rows: list[dict], columns: list[str], max_width: int = 60) -> str:
    """Rows of dicts as an aligned plain-text table (cells cut at `max_width` characters)."""
    def cell(v) -> str:
        text = "" if v is None else str(v)
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)
