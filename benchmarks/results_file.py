"""How every benchmark writes its results: JSON, NaN as null, numpy scalars as numbers, atomically.

The scripts run as `python benchmarks/NAME.py`, so this folder is on their path: `from results_file
import write_results`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path


def jsonable(obj):
    """JSON has no NaN or numpy types: NaN/inf -> null, numpy scalars/arrays -> Python, recursively."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_results(path, obj, indent: int = 2) -> Path:
    """Write `obj` as JSON to `path` through a temporary file and a rename: never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(jsonable(obj), indent=indent, default=str) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
