"""Progress: a bar on a terminal, a log line every few seconds elsewhere (a log file, CI, a pipe).

    progress(iterable, total=, desc=)   tqdm when stderr is a terminal; otherwise a `LogProgress` that
                                        logs "desc: 120/500 (24%), 3.1/s, ETA 2 min" to the
                                        "pharmasynth.progress" logger at most every `interval` seconds
                                        (PHARMASYNTH_PROGRESS_INTERVAL, default 10). The CLI shows that
                                        logger on stderr; a library user sees it once logging is configured.
    enable=False (or PHARMASYNTH_PROGRESS=0) silences both; enable=True (or PHARMASYNTH_PROGRESS=1) forces the bar.
"""

from __future__ import annotations

import logging
import os
import sys
import time

LOGGER = logging.getLogger("pharmasynth.progress")
DEFAULT_INTERVAL = 10.0


def progress_enabled(enable: bool | None = None) -> bool:
    """Whether to draw a tqdm bar (a terminal, not CI, unless forced either way)."""
    if enable is not None:
        return enable
    if os.environ.get("PHARMASYNTH_PROGRESS") in ("0", "1"):
        return os.environ["PHARMASYNTH_PROGRESS"] == "1"
    if os.environ.get("CI"):
        return False
    return sys.stderr.isatty()


def log_interval() -> float:
    try:
        return max(0.0, float(os.environ.get("PHARMASYNTH_PROGRESS_INTERVAL", DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class LogProgress:
    """tqdm's small API (iterate, update, set_postfix, set_description, close, with) as log lines."""

    def __init__(self, iterable=None, total=None, desc: str | None = None, initial: int = 0,
                 interval: float | None = None, clock=time.monotonic, logger: logging.Logger = LOGGER, **_ignored):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.n, self.initial = total, desc or "working", initial, initial
        self.interval = log_interval() if interval is None else interval
        self.clock, self.logger = clock, logger
        self.start = self.last = clock()
        self.postfix = ""
        self.lines = 0
        self.closed = False

    def line(self) -> str:
        elapsed = max(self.clock() - self.start, 1e-9)
        done = self.n - self.initial
        rate = done / elapsed
        text = f"{self.desc}: {self.n:,}"
        if self.total:
            text += f"/{self.total:,} ({100 * self.n / self.total:.0f}%)"
        text += f", {rate:.3g}/s" if rate >= 0.1 else f", {elapsed / max(done, 1):.3g} s each"
        if self.total and rate > 0 and self.n < self.total:
            text += f", ETA {_duration((self.total - self.n) / rate)}"
        elif not self.total or self.n >= self.total:
            text += f", {_duration(elapsed)} elapsed"
        return text + (f" [{self.postfix}]" if self.postfix else "")

    def _maybe_log(self, force: bool = False) -> None:
        now = self.clock()
        if force or now - self.last >= self.interval:
            self.last = now
            self.lines += 1
            self.logger.info(self.line())

    def update(self, n: int = 1) -> None:
        self.n += n
        self._maybe_log()

    def set_postfix(self, ordered_dict=None, refresh: bool = True, **kwargs) -> None:
        items = {**(ordered_dict or {}), **kwargs}
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        self.desc = desc or self.desc

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        # a closing line only for work long enough to have logged: short loops stay silent
        if not self.closed and (self.lines or self.clock() - self.start >= self.interval):
            self._maybe_log(force=True)
        self.closed = True

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def progress(iterable=None, total=None, desc: str | None = None, enable: bool | None = None, **kwargs):
    """A tqdm bar on a terminal, log lines every few seconds elsewhere, nothing when disabled (see above)."""
    if progress_enabled(enable):
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, dynamic_ncols=True, **kwargs)
    if enable is False or os.environ.get("PHARMASYNTH_PROGRESS") == "0":
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, disable=True, **kwargs)
    return LogProgress(iterable, total=total, desc=desc, **kwargs)
