"""Sample many timelines in chunks and write them to Parquet with bounded memory.

Chunks get independent seeds (`spawn_seeds`), so the output depends only on `random_state` and
`chunk_size`, not on how chunks are spread over workers. `parallel_map` runs a batch of chunks
(in-process, or on Dask with `client`); each result is appended to the three Parquet files as a
row group and dropped, so memory holds `batch` chunks at a time. Files appear atomically at the
end; each carries the sampling metadata (amplification included) in its Parquet key-value
metadata, and `sample.json` repeats it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .._util.atomic import atomic_path, atomic_write_json
from .._util.parallel import parallel_map
from .._util.random import spawn_seeds

TABLES = ("static", "measurements", "events")


class _ChunkTask:
    """A picklable task: (seed, first id, size) -> the chunk's three tables."""

    def __init__(self, model, conditions, amplify):
        self.model, self.conditions, self.amplify = model, conditions, amplify

    def __call__(self, item):
        seed, offset, size = item
        tl = self.model.sample(size, conditions=self.conditions, amplify=self.amplify, random_state=seed,
                               id_offset=offset)
        return {"static": tl.static, "measurements": tl.measurements, "events": tl.events}


def sample_to_parquet(model, n: int, out_dir, chunk_size: int = 50_000, conditions: dict | None = None,
                      amplify: dict | None = None, random_state=None, client=None, batch: int = 2,
                      progress_bar: bool | None = False) -> dict:
    """Write OUT/static.parquet, OUT/measurements.parquet, OUT/events.parquet and OUT/sample.json."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    model._check_fitted()
    model._check_amplify(amplify)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [min(chunk_size, n - i) for i in range(0, n, chunk_size)]
    seeds = spawn_seeds(random_state, len(sizes))
    items = [(seeds[i], i * chunk_size, size) for i, size in enumerate(sizes)]
    meta = {"model": "TimelineSynthesizer", "schema": model.schema_.to_dict(), "n": int(n),
            "chunk_size": int(chunk_size), "random_state": random_state,
            "conditions": conditions or {}, "amplification": {k: float(v) for k, v in (amplify or {}).items()},
            "note": ("amplified event types have hazards multiplied by the stated factor (events column "
                     "`amplification`): their incidence is NOT the population's") if amplify else "no amplification"}
    task = _ChunkTask(model, conditions, amplify)
    rows = dict.fromkeys(TABLES, 0)
    started = time.perf_counter()
    with atomic_path(out / "static.parquet") as p_st, atomic_path(out / "measurements.parquet") as p_me, \
            atomic_path(out / "events.parquet") as p_ev:
        paths = {"static": p_st, "measurements": p_me, "events": p_ev}
        writers = {}
        try:
            for b in range(0, len(items), max(1, batch)):
                for chunk in parallel_map(task, items[b:b + max(1, batch)], client=client, progress_bar=progress_bar):
                    for name in TABLES:
                        table = pa.Table.from_pandas(chunk[name], preserve_index=False)
                        if name == "measurements":  # categories differ by chunk; plain strings keep one schema
                            table = table.cast(pa.schema([f if not pa.types.is_dictionary(f.type)
                                                          else pa.field(f.name, pa.string()) for f in table.schema]))
                        if name not in writers:
                            schema = table.schema.with_metadata({"pharmasynth": json.dumps(meta)})
                            writers[name] = pq.ParquetWriter(str(paths[name]), schema, compression="zstd")
                        writers[name].write_table(table.replace_schema_metadata(writers[name].schema.metadata))
                        rows[name] += table.num_rows
                    del chunk
        finally:
            for w in writers.values():
                w.close()
    meta.update({"rows": rows, "seconds": round(time.perf_counter() - started, 2),
                 "files": {k: str(out / f"{k}.parquet") for k in TABLES}})
    atomic_write_json(out / "sample.json", meta)
    return meta


def read_timeline_folder(path, on_error: str = "raise"):
    """Timelines from a folder of static/measurements/events (.parquet or .csv[.gz]), e.g. `ehr sample`'s output.

    The schema comes from the folder's sample.json when there is one (else the NAFLD defaults)."""
    from ..errors import InputFileError
    from .timelines import TimelineSchema, read_timelines

    folder = Path(path)
    found = {}
    for name in TABLES:
        hits = [folder / f"{name}{ext}" for ext in (".parquet", ".csv", ".csv.gz") if (folder / f"{name}{ext}").is_file()]
        if not hits:
            raise InputFileError(f"{folder}: no {name}.parquet (or .csv / .csv.gz); a timeline folder holds "
                                 "static, measurements and events tables, as `pharmasynth ehr sample` writes.")
        found[name] = hits[0]
    schema = TimelineSchema()
    if (folder / "sample.json").is_file():
        schema = TimelineSchema(**json.loads((folder / "sample.json").read_text(encoding="utf-8")).get("schema", {}))
    return read_timelines(found["static"], found["measurements"], found["events"], schema, on_error=on_error)
