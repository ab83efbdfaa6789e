"""ONE fan-out helper for embarrassingly parallel work.

In-process by default; on a Dask cluster when given a scheduler address (`tcp://HOST:PORT`), a
`dask.distributed.Client` or `LocalCluster`, or when `PHARMASYNTH_SCHEDULER` is set. Results come
back in input order, and a task's result must depend only on its arguments (pass seeds in), so
the in-process and the cluster runs give identical results.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Sequence

from .._util.progress import progress

ENV_VAR = "PHARMASYNTH_SCHEDULER"


def resolve_scheduler(scheduler=None):
    """None -> $PHARMASYNTH_SCHEDULER -> in-process (returned as None)."""
    if scheduler is None:
        scheduler = os.environ.get(ENV_VAR) or None
    if scheduler in (None, "", "local", "inprocess", "in-process"):
        return None
    return scheduler


def _client_for(scheduler):
    from dask.distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    if hasattr(scheduler, "scheduler_address"):  # a LocalCluster or any dask cluster object
        return Client(scheduler), True
    if isinstance(scheduler, str):
        return Client(scheduler, timeout="30s"), True
    raise TypeError(f"scheduler must be an address string, a dask Client or cluster, not {type(scheduler).__name__}.")


def parallel_map(func: Callable, items: Iterable, *, scheduler=None, desc: str | None = None,
                 progress_bar: bool | None = None) -> list:
    """`[func(x) for x in items]`, in-process or on Dask; order kept.

    Chunk big work into a few hundred items (e.g. 10,000 molecules or 200 trials per item)
    so that task overhead stays small.
    """
    items: Sequence = list(items)
    scheduler = resolve_scheduler(scheduler)
    if scheduler is None:
        return [func(x) for x in progress(items, desc=desc, enable=progress_bar)]
    from dask.distributed import as_completed

    client, owned = _client_for(scheduler)
    try:
        futures = client.map(func, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results = [None] * len(futures)
        for fut in progress(as_completed(futures), total=len(futures), desc=desc, enable=progress_bar):
            results[index[fut.key]] = fut.result()
        return results
    finally:
        if owned:
            client.close()
