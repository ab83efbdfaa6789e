"""Tables in: reading CSV/Parquet, inferring column kinds, aligning real/synthetic/holdout, and
the encodings every metric shares (row hashes, numeric features for a model).

Column kinds: numeric, categorical, boolean, datetime. Every metric works from the same
`TableSchema`, inferred once on the REAL table, so that synthetic data are judged by the real
data's types and never the other way round.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.random import as_rng
from ..errors import DataError, DataWarning, InputFileError, SchemaError

KINDS = ("numeric", "categorical", "boolean", "datetime")


@dataclass
class TableSchema:
    """Column name -> kind, in the real table's column order."""

    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.kinds)

    def of_kind(self, *kinds: str) -> list[str]:
        return [c for c, k in self.kinds.items() if k in kinds]

    @property
    def numeric(self) -> list[str]:
        return self.of_kind("numeric")

    @property
    def categorical(self) -> list[str]:
        """Categorical and boolean columns (both compared as discrete values)."""
        return self.of_kind("categorical", "boolean")

    @property
    def datetime(self) -> list[str]:
        return self.of_kind("datetime")

    def categorical_mask(self) -> np.ndarray:
        """One bool per column (in order): True for the discrete ones, as a model's categorical_features."""
        return np.array([k in ("categorical", "boolean") for k in self.kinds.values()], dtype=bool)

    def to_dict(self) -> dict:
        return dict(self.kinds)


def read_table(path, *, role: str = "table") -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file; clear errors naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{role} file {path}: does not exist.")
    if path.stat().st_size == 0:
        raise InputFileError(f"{role} file {path}: is empty (0 bytes); expected a CSV with a header row or a Parquet file.")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith((".parquet", ".pq")):
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(f"{role} file {path}: has no columns ({exc}).") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise InputFileError(f"{role} file {path}: cannot be parsed as {'Parquet' if 'parquet' in suffixes else 'CSV'}: {exc}") from exc
    if len(df) == 0:
        raise InputFileError(f"{role} file {path}: has a header but no rows.")
    df.attrs["source"] = str(path)
    return df


def _looks_datetime(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    if s.dtype != object:
        return False
    sample = s.dropna().astype(str).head(200)
    if len(sample) == 0 or not sample.str.contains(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", regex=True).all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return parsed.notna().mean() > 0.95


def infer_kind(s: pd.Series, max_categories: int = 20) -> str:
    """numeric | categorical | boolean | datetime for one column.

    Integers with few distinct values (<= max_categories, e.g. 0/1 codes, arm labels) are
    categorical: comparing their shapes with a KS test would be misleading.
    """
    nonnull = s.dropna()
    if pd.api.types.is_bool_dtype(s) or (len(nonnull) and set(pd.unique(nonnull)) <= {True, False} and s.dtype == object):
        return "boolean"
    if _looks_datetime(s):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s):
        if pd.api.types.is_integer_dtype(s) or (len(nonnull) and np.all(np.mod(nonnull, 1) == 0)):
            if nonnull.nunique() <= min(max_categories, 2) or (
                    pd.api.types.is_integer_dtype(s) and nonnull.nunique() <= max_categories and nonnull.nunique() < 0.05 * len(nonnull)):
                return "categorical"
        return "numeric"
    return "categorical"


def infer_schema(real: pd.DataFrame, kinds: dict[str, str] | None = None, max_categories: int = 20) -> TableSchema:
    """Infer each column's kind from the real table; `kinds` overrides any column."""
    kinds = dict(kinds or {})
    for c, k in kinds.items():
        if c not in real.columns:
            raise SchemaError(f"kinds names column {c!r}, which the real table does not have (columns: {list(real.columns)}).")
        if k not in KINDS:
            raise SchemaError(f"kinds[{c!r}]={k!r} is not one of {KINDS}.")
    out = {}
    for c in real.columns:
        if c in kinds:
            out[c] = kinds[c]
            continue
        if real[c].isna().all():
            raise DataError(f"column {c!r} of the real table is entirely missing (all NaN); drop it or fill it.")
        out[c] = infer_kind(real[c], max_categories)
    return TableSchema(out)


def _category_text(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _coerce(df: pd.DataFrame, schema: TableSchema, role: str) -> pd.DataFrame:
    df = df.copy()
    src = df.attrs.get("source", role)
    for c, kind in schema.kinds.items():
        s = df[c]
        if kind == "numeric":
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                num = pd.to_numeric(s, errors="coerce")
                bad = num.isna() & s.notna()
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    raise SchemaError(f"{src}: column {c!r} should be numeric but row {i} holds {s.iloc[i]!r} "
                                      f"({int(bad.sum())} non-numeric value(s) in all).")
                s = num
            df[c] = s.astype(float)
        elif kind == "datetime":
            conv = pd.to_datetime(s, errors="coerce", format="mixed") if not pd.api.types.is_datetime64_any_dtype(s) else s
            bad = conv.isna() & s.notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise SchemaError(f"{src}: column {c!r} should hold dates but row {i} holds {s.iloc[i]!r}.")
            df[c] = conv
        else:  # categorical / boolean: compare as strings so 1, 1.0 and "1" match
            df[c] = s.map(_category_text).astype(object)
    return df


def align_tables(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None, *,
                 schema: TableSchema | None = None, kinds: dict[str, str] | None = None):
    """Check that the tables share the real table's columns, coerce them to its kinds.

    Returns (real, synthetic, holdout, schema), each a fresh DataFrame. Extra columns in the
    synthetic or holdout table are an error (a generator that invents columns is a bug); missing
    ones too. A holdout that shares rows with the real (training) table warns: privacy metrics
    then overstate the risk of memorisation.
    """
    for role, df in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        if df is None:
            continue
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{role} must be a pandas DataFrame, not {type(df).__name__}.")
        if len(df) == 0:
            raise DataError(f"the {role} table has no rows.")
    schema = schema or infer_schema(real, kinds)
    for role, df in (("synthetic", synthetic), ("holdout", holdout)):
        if df is None:
            continue
        missing = [c for c in schema.columns if c not in df.columns]
        extra = [c for c in df.columns if c not in schema.kinds]
        if missing or extra:
            raise SchemaError(f"the {role} table's columns differ from the real table's: "
                              + (f"missing {missing}" if missing else "")
                              + ("; " if missing and extra else "")
                              + (f"unexpected {extra}" if extra else "")
                              + ". Give both tables the same columns.")
    real_c = _coerce(real[schema.columns], schema, "real")
    syn_c = _coerce(synthetic[schema.columns], schema, "synthetic")
    hold_c = _coerce(holdout[schema.columns], schema, "holdout") if holdout is not None else None
    for c in schema.columns:
        if syn_c[c].isna().all() and not real_c[c].isna().all():
            warnings.warn(f"column {c!r} is entirely missing in the synthetic table but not in the real one; "
                          "its shape metric will be 0.", DataWarning, stacklevel=2)
    if hold_c is not None:
        overlap = np.isin(row_hashes(hold_c), row_hashes(real_c)).mean()
        if overlap > 0.01:
            warnings.warn(f"{overlap:.1%} of holdout rows also appear in the real (training) table; the holdout "
                          "should be records the generator never saw, or the privacy metrics are biased.",
                          DataWarning, stacklevel=2)
    return real_c, syn_c, hold_c, schema


def holdout_split(df: pd.DataFrame, fraction: float, random_state=0):
    """(train, holdout): a random `fraction` of the rows held out (None when fraction is 0).

    The holdout is what the evaluation core needs: real records a generator never saw.
    """
    if not fraction:
        return df, None
    if not 0 < fraction < 1:
        raise DataError(f"holdout fraction {fraction} must be in (0, 1).")
    idx = as_rng(random_state).permutation(len(df))
    k = int(round(fraction * len(df)))
    if k == 0 or k == len(df):
        raise DataError(f"a holdout of {fraction} of {len(df)} rows leaves {'no holdout' if k == 0 else 'nothing to train on'}.")
    return df.iloc[idx[k:]], df.iloc[idx[:k]]


def as_float(s: pd.Series, datetime_unit: str = "ns") -> np.ndarray:
    """A column as float64 with NaN for missing; datetimes as nanoseconds (or seconds, `datetime_unit="s"`)
    since the epoch."""
    if pd.api.types.is_datetime64_any_dtype(s):
        v = s.astype("int64").to_numpy().astype(np.float64)
        if datetime_unit == "s":
            v /= 1e9
        v[s.isna().to_numpy()] = np.nan
        return v
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)


def row_hashes(df: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash per row that depends on values only: numbers as float64 (so 3 and 3.0 agree,
    -0.0 is 0.0), everything else as text. Vectorised: no per-row Python."""
    cols = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols[c] = s.astype("float64") + 0.0
        else:
            cols[c] = s.astype(str)
    return pd.util.hash_pandas_object(pd.DataFrame(cols, index=df.index), index=False).to_numpy()


def encode_for_model(frames: list[pd.DataFrame], schema: TableSchema) -> list[np.ndarray]:
    """Numeric features for a classifier: numerics as float (NaN kept), categoricals as codes
    shared across frames, datetimes as nanoseconds since the epoch."""
    out = [[] for _ in frames]
    for c, k in schema.kinds.items():
        if k in ("numeric", "datetime"):
            for i, f in enumerate(frames):
                out[i].append(as_float(f[c]))
        else:
            cats = pd.Index(pd.unique(pd.concat([f[c] for f in frames]).dropna()))
            for i, f in enumerate(frames):
                codes = cats.get_indexer(f[c]).astype(float)
                codes[codes < 0] = np.nan
                out[i].append(codes)
    return [np.column_stack(cols) if cols else np.zeros((len(f), 0)) for cols, f in zip(out, frames)]


def subsample(df: pd.DataFrame, n: int | None, rng) -> pd.DataFrame:
    """At most `n` rows of `df`, drawn at random without replacement, kept in their order."""
    if n is None or len(df) <= n:
        return df
    return df.iloc[np.sort(rng.choice(len(df), n, replace=False))]
