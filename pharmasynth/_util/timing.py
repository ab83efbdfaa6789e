"""Wall-clock timings of named steps, collected into one dict (for reports and benchmarks)."""

from __future__ import annotations

import contextlib
import time


class Stopwatch:
    """`with watch("featurise"): ...` adds the seconds to `watch.seconds["featurise"]`."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
