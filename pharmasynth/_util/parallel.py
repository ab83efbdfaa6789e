"""ONE fan-out helper for embarrassingly parallel work.

In-process by default; on a Dask cluster when given a `client`: a scheduler address
(`tcp://HOST:PORT`), a `dask.distributed.Client` or a cluster object (e.g. `LocalCluster`), or
when `PHARMASYNTH_SCHEDULER` holds an address. Results come back in input order, and a task's
result must depend only on its arguments (pass seeds in), so the in-process and the cluster runs
give identical results.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Sequence

from .deprecation import renamed_kwargs
from .progress import progress

ENV_VAR = "PHARMASYNTH_SCHEDULER"


def resolve_client(client=None):
    """None -> $PHARMASYNTH_SCHEDULER -> in-process (returned as None)."""
    if client is None:
        client = os.environ.get(ENV_VAR) or None
    if client in (None, "", "local", "inprocess", "in-process"):
        return None
    return client


def _connect(client):
    """(a dask Client, whether we opened it and must close it)."""
    from dask.distributed import Client

    if isinstance(client, Client):
        return client, False
    if hasattr(client, "scheduler_address"):  # a LocalCluster or any dask cluster object
        return Client(client), True
    if isinstance(client, str):
        return Client(client, timeout="30s"), True
    raise TypeError(f"client must be a scheduler address, a dask Client or a cluster, not {type(client).__name__}.")


@renamed_kwargs(scheduler="client")
def parallel_map(func: Callable, items: Iterable, *, client=None, desc: str | None = None,
                 progress_bar: bool | None = None) -> list:
    """`[func(x) for x in items]`, in-process or on Dask; order kept.

    Chunk big work into a few hundred items (e.g. 10,000 molecules or 200 trials per item)
    so that task overhead stays small.
    """
    items: Sequence = list(items)
    client = resolve_client(client)
    if client is None:
        return [func(x) for x in progress(items, desc=desc, enable=progress_bar)]
    from dask.distributed import as_completed

    dask_client, owned = _connect(client)
    try:
        futures = dask_client.map(func, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results = [None] * len(futures)
        for fut in progress(as_completed(futures), total=len(futures), desc=desc, enable=progress_bar):
            results[index[fut.key]] = fut.result()
        return results
    finally:
        if owned:
            dask_client.close()
