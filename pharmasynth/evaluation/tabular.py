"""Tables in: reading CSV/Parquet, inferring column kinds, aligning real/synthetic/holdout, and
the encodings every metric shares (row hashes, numeric features for a model).

Column kinds: numeric, categorical, boolean, datetime. Every metric works from the same
`TableSchema`, inferred once on the REAL table, so that synthetic data are judged by the real
data's types and never the other way round.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .._util.random import as_rng
from ..errors import DataError, DataWarning, InputFileError, SchemaError

from .columns import MAX_MODEL_LEVELS, ColumnOptions, apply_code_prefix, top_levels
from .dates import parse_dates
from .schema import KINDS, TableSchema, infer_kind, infer_schema  # noqa: F401  (re-exported)

#: fewer real rows than this cannot be scored: every metric needs a sample, not an example
MIN_REAL_ROWS = 10
#: numbers this large are sentinels, not data: their squares overflow float64 in every distance
MAX_ABS_VALUE = 1e150
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


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
            names = list(pd.read_csv(path, nrows=1, header=None, dtype=str).iloc[0])
            dup = sorted({str(n) for n in names if names.count(n) > 1})
            if dup:
                raise InputFileError(f"{role} file {path}: the header repeats column name(s) {dup}; "
                                     "every column needs its own name.")
            df = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(f"{role} file {path}: has no columns ({exc}).") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(f"{role} file {path}: cannot be parsed as {'Parquet' if 'parquet' in suffixes else 'CSV'}: {exc}") from exc
    if len(df) == 0:
        raise InputFileError(f"{role} file {path}: has a header but no rows.")
    df.attrs["source"] = str(path)
    return df


def _category_text(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _first_bad(mask, s: pd.Series):
    i = s.index[np.flatnonzero(np.asarray(mask))[0]]
    return i, s[i]


def _csv_offset(df: pd.DataFrame) -> int | None:
    """Row label -> CSV line: read_table labels rows 0, 1, ... after a header line, so row N is line N + 2."""
    src = str(df.attrs.get("source", "")).lower()
    return 2 if src.endswith((".csv", ".csv.gz", ".gz")) and pd.api.types.is_integer_dtype(df.index) else None


def _row(df: pd.DataFrame, i) -> str:
    off = _csv_offset(df)
    return f"row {i}" + (f" (line {i + off})" if off is not None else "")


def _coerce(df: pd.DataFrame, schema: TableSchema, role: str) -> pd.DataFrame:
    df = df.copy()
    # the role first: a frame derived from another (df.copy()) carries that one's source along
    src = f"{role} table" + (f" {df.attrs['source']}" if df.attrs.get("source") else "")
    for c, kind in schema.kinds.items():
        s = df[c]
        if kind == "numeric":
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                num = pd.to_numeric(s, errors="coerce")
                bad = num.isna() & s.notna()
                if bad.any():
                    i, v = _first_bad(bad, s)
                    raise SchemaError(f"{src}: column {c!r} should be numeric but {_row(df, i)} holds {v!r} "
                                      f"({int(bad.sum())} non-numeric value(s) in all).")
                s = num
            s = s.astype(float)
            huge = ~np.isfinite(s.to_numpy()) & s.notna().to_numpy() | (np.abs(s.to_numpy()) > MAX_ABS_VALUE)
            if huge.any():
                i, v = _first_bad(huge, s)
                raise SchemaError(f"{src}: column {c!r} {_row(df, i)} holds {v!r}; numbers must be finite and below "
                                  f"{MAX_ABS_VALUE:g} in size (a sentinel for 'missing'? blank it) "
                                  f"({int(huge.sum())} such value(s) in all).")
            df[c] = s
        elif kind == "datetime":
            df[c] = parse_dates(s, schema.date_formats.get(c, "ISO8601"), c, src, iso_fallback=role != "real",
                                csv_line_offset=_csv_offset(df))
        else:  # categorical / boolean: compare as strings so 1, 1.0 and "1" match
            codes, uniques = pd.factorize(s, use_na_sentinel=True)  # map each distinct value once, not each cell
            text = np.array([_category_text(u) for u in uniques] + [None], dtype=object)
            s = pd.Series(text[codes], index=s.index, dtype=object)
            if c in schema.code_prefix:
                s = apply_code_prefix(s, schema.code_prefix[c])
            df[c] = s
    return df


def _match_levels(real: pd.Series, other: pd.Series, column: str, role: str) -> pd.Series:
    """The other table's values of a discrete column, spelt as the real table spells them.

    A yes/no column against a real 0/1 (or True/False) column is recoded, with a warning;
    a column sharing no value at all with the real one is an error (every comparison would be 0).
    """
    r_levels, o_levels = set(real.dropna()), set(other.dropna())
    if not o_levels or o_levels <= r_levels:
        return other
    low = {v.lower() for v in r_levels | o_levels}
    if low <= _TRUE | _FALSE and len(r_levels) == 2:
        truthy = [v for v in r_levels if v.lower() in _TRUE]
        falsy = [v for v in r_levels if v.lower() in _FALSE]
        if len(truthy) == 1 and len(falsy) == 1:
            mapped = other.map(lambda v: v if v is None else truthy[0] if v.lower() in _TRUE else falsy[0])
            warnings.warn(f"the {role} table's column {column!r} is coded {sorted(o_levels)}, the real one "
                          f"{sorted(r_levels)}: recoded to the real coding ({truthy[0]} = yes/true).",
                          DataWarning, stacklevel=3)
            return mapped.astype(object)
    if not (o_levels & r_levels) and len(r_levels) <= 50:
        raise SchemaError(f"the {role} table's column {column!r} shares no value with the real table's "
                          f"(real: {sorted(r_levels)[:10]}, {role}: {sorted(o_levels)[:10]}); recode it to the real "
                          "coding.")
    return other


def _check_frame(df, role: str) -> None:
    if df is None:
        return
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{role} must be a pandas DataFrame, not {type(df).__name__}.")
    src = f"the {role} table" + (f" {df.attrs['source']}" if df.attrs.get("source") else "")
    dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if dup:
        raise SchemaError(f"{src}: column name(s) {dup} appear more than once; every column needs its own name.")
    if len(df) == 0:
        raise DataError(f"the {role} table has no rows.")


def align_tables(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None, *,
                 schema: TableSchema | None = None, kinds: dict[str, str] | None = None,
                 options: ColumnOptions | None = None):
    """Check that the tables share the real table's columns, coerce them to its kinds.

    Returns (real, synthetic, holdout, schema), each a fresh DataFrame holding only the MODELLED
    columns: identifiers, free text and ignored columns are dropped (listed in `schema.excluded`).
    Extra columns in the synthetic or holdout table are an error (a generator that invents
    columns is a bug); missing modelled ones too (an excluded column may be absent). A holdout
    that shares rows with the real (training) table warns: privacy metrics then overstate the
    risk of memorisation.
    """
    for role, df in (("real", real), ("synthetic", synthetic), ("holdout", holdout)):
        _check_frame(df, role)
    if len(real) < MIN_REAL_ROWS:
        raise DataError(f"the real table has {len(real)} row(s); scoring needs at least {MIN_REAL_ROWS} "
                        "(a distribution cannot be compared with a handful of records).")
    schema = schema or infer_schema(real, kinds, options=options)
    known = set(schema.kinds) | set(schema.excluded) | set(schema.input_columns)
    for role, df in (("synthetic", synthetic), ("holdout", holdout)):
        if df is None:
            continue
        missing = [c for c in schema.columns if c not in df.columns]
        extra = [c for c in df.columns if c not in known]
        if missing or extra:
            raise SchemaError(f"the {role} table's columns differ from the real table's: "
                              + (f"missing {missing}" if missing else "")
                              + ("; " if missing and extra else "")
                              + (f"unexpected {extra}" if extra else "")
                              + ". Give both tables the same columns.")
    real_c = _coerce(real[schema.columns], schema, "real")
    syn_c = _coerce(synthetic[schema.columns], schema, "synthetic")
    hold_c = _coerce(holdout[schema.columns], schema, "holdout") if holdout is not None else None
    for c in schema.categorical:
        syn_c[c] = _match_levels(real_c[c], syn_c[c], c, "synthetic")
        if hold_c is not None:
            hold_c[c] = _match_levels(real_c[c], hold_c[c], c, "holdout")
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
    shared across frames, datetimes as nanoseconds since the epoch.

    A categorical with more than `MAX_MODEL_LEVELS` levels (a medical code) keeps the most
    frequent levels of the FIRST frame (the real table) and maps every other value to one
    "other" code: gradient boosting takes at most 255 categories, and rare codes carry no
    signal a model could learn anyway. Shape and privacy metrics use the exact values.
    """
    out = [[] for _ in frames]
    for c, k in schema.kinds.items():
        if k in ("numeric", "datetime"):
            for i, f in enumerate(frames):
                out[i].append(as_float(f[c]))
        else:
            cats = pd.Index(pd.unique(pd.concat([f[c] for f in frames]).dropna()))
            other = None
            if len(cats) > MAX_MODEL_LEVELS + 1:
                cats, other = top_levels(frames[0][c], MAX_MODEL_LEVELS), float(MAX_MODEL_LEVELS)
            for i, f in enumerate(frames):
                codes = cats.get_indexer(f[c]).astype(float)
                if other is not None:
                    codes[(codes < 0) & f[c].notna().to_numpy()] = other
                codes[codes < 0] = np.nan
                out[i].append(codes)
    return [np.column_stack(cols) if cols else np.zeros((len(f), 0)) for cols, f in zip(out, frames)]


def subsample(df: pd.DataFrame, n: int | None, rng) -> pd.DataFrame:
    """At most `n` rows of `df`, drawn at random without replacement, kept in their order."""
    if n is None or len(df) <= n:
        return df
    return df.iloc[np.sort(rng.choice(len(df), n, replace=False))]
