"""The column codec of the tabular models: each column's marginal as a summary, to and from a latent normal axis.

Columns are of two kinds (inferred, or set with `kinds=`); dates (datetime64, or text in one
format read from the values: `evaluation.dates`) are continuous, as days, and written back in
their own format; identifiers are re-issued and free text left out (`reissue`):
  continuous  numeric with more than `max_discrete` distinct values. Its marginal is stored as a
              quantile summary (at most `n_quantiles` quantiles, never more than one per 5 records),
              sampled through the piecewise-linear quantile function (a smoothed empirical CDF);
              integer columns are rounded. A missing value is modelled by a 0/1 "missing" latent
              that takes part in the model (so missingness can depend on the other columns).
  discrete    categorical, boolean or numeric with few values (ordinal scores, 0/1 codes). The
              categories (with "missing" as one more category) split the latent normal axis into
              ordered intervals of the category frequencies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ..errors import DataError, SchemaError, check_option

COLUMN_KINDS = ("continuous", "discrete")
_EPS = 1e-6


def _py(v):
    """A JSON-safe Python scalar for a category value (None for missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return v  # kept as float; dtype restored from the column's dtype tag
    return v


def _label(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "<missing>"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _dtype_tag(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_numeric_dtype(s):
        nn = s.dropna()
        return "int" if len(nn) and np.all(np.mod(nn, 1) == 0) else "float"
    return "object"


def _date_format(s: pd.Series, name: str) -> str | None:
    """"datetime64", the strftime format of a text column of dates, or None (not dates)."""
    from ..evaluation.dates import infer_date_format

    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime64"
    if s.dtype != object:
        return None
    fmt = infer_date_format(s, name)  # mixed formats: a SchemaError naming the rows
    if fmt is not None and fmt.format == "ISO8601" and not s.dropna().astype(str).str.contains(":").any():
        return "%Y-%m-%d"  # dates without times are written back without times
    return None if fmt is None else fmt.format


def _as_days(s: pd.Series, fmt: str) -> np.ndarray:
    from ..evaluation.dates import parse_dates

    d = s if fmt == "datetime64" else parse_dates(s, fmt, str(s.name), "training")
    v = d.astype("int64").to_numpy() / 86_400e9
    v[d.isna().to_numpy()] = np.nan
    return v


def _from_days(v: np.ndarray, fmt: str) -> pd.Series:
    t = pd.Series(pd.to_datetime(np.round(v * 1440) * 60e9, unit="ns"))  # to the minute
    if fmt == "datetime64":
        return t
    out = t.dt.strftime("%Y-%m-%d %H:%M" if fmt == "ISO8601" and (t.dt.floor("D") != t).any()
                        else "%Y-%m-%d" if fmt == "ISO8601" else fmt)
    return out.where(t.notna(), None).astype(object)


# ---------------------------------------------------------------------------------------------
# column codec: marginals as summaries, to and from the latent normal scale
class TableCodec:
    """Per-column marginal models (summaries only) shared by the copula and the VAE."""

    def __init__(self, max_discrete: int = 20, n_quantiles: int = 256, kinds: dict | None = None, ids=()):
        self.max_discrete = max_discrete
        self.n_quantiles = n_quantiles
        self.kinds = dict(kinds or {})
        self.ids = tuple(ids or ())
        self.columns: list[dict] = []
        self.order: list[str] = []
        self.unmodelled: dict[str, dict] = {}

    # --- fit
    def fit(self, df: pd.DataFrame) -> "TableCodec":
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}.")
        if len(df) < 10:
            raise DataError(f"the table has {len(df)} rows; a synthetic-table model needs at least 10.")
        for c, k in self.kinds.items():
            if c not in df.columns:
                raise SchemaError(f"kinds names column {c!r}, not in the table (columns: {list(df.columns)}).")
            check_option(f"kinds[{c!r}]", k, COLUMN_KINDS)
        from ..evaluation.columns import free_text_reason, identifier_reason

        for c in self.ids:
            if c not in df.columns:
                raise SchemaError(f"ids names column {c!r}, not in the table (columns: {list(df.columns)}).")
        self.columns, self.order, self.unmodelled = [], [str(c) for c in df.columns], {}
        for c in df.columns:
            s = df[c]
            # identifiers are re-issued and free text left out: modelling them would copy them
            why = None if c in self.kinds else (
                "identifier (ids=)" if c in self.ids else identifier_reason(s, str(c)) or free_text_reason(s))
            if why is not None:
                is_text = why.startswith("free text")
                self.unmodelled[str(c)] = {"role": "free text" if is_text else "identifier", "reason": why,
                                           "dtype": _dtype_tag(s)}
                continue
            date_format = _date_format(s, str(c)) if c not in self.kinds else None
            if date_format is not None:  # dates are modelled as days (continuous) and written back as they came
                col = self._fit_continuous(c, pd.Series(_as_days(s, date_format)), "float")
                self.columns.append({**col, "date_format": date_format})
                continue
            if s.isna().all():
                raise DataError(f"column {c!r} is entirely missing; drop it before fitting.")
            tag = _dtype_tag(s)
            kind = self.kinds.get(c)
            if kind is None:
                numeric = tag in ("int", "float")
                kind = "continuous" if numeric and s.nunique() > self.max_discrete else "discrete"
            if kind == "continuous":
                if tag not in ("int", "float"):
                    raise SchemaError(f"column {c!r} is declared continuous but holds text "
                                      f"(e.g. {s.dropna().iloc[0]!r}).")
                self.columns.append(self._fit_continuous(c, s.astype(float), tag))
            else:
                self.columns.append(self._fit_discrete(c, s, tag))
        return self

    def _fit_continuous(self, name, s: pd.Series, tag) -> dict:
        x = s.dropna().to_numpy(float)
        n = len(x)
        if n < 10:
            raise DataError(f"column {name!r} has {n} non-missing values; too few for a continuous marginal.")
        q = int(min(self.n_quantiles, max(4, n // 5)))  # a summary: never more than one quantile per 5 records
        levels = (np.arange(q) + 0.5) / q
        values = np.quantile(x, levels)
        return {"name": name, "kind": "continuous", "dtype": tag, "levels": levels.tolist(),
                "quantiles": values.tolist(), "missing_rate": float(s.isna().mean())}

    def _fit_discrete(self, name, s: pd.Series, tag) -> dict:
        vc = s.value_counts(dropna=False)
        cats = list(vc.index)
        numeric = tag in ("int", "float", "bool")

        def key(v):
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                return (0, 0.0, "")
            return (1, float(v), "") if numeric else (1, 0.0, str(v))
        cats.sort(key=key)
        probs = np.array([vc[c] for c in cats], float)
        probs /= probs.sum()
        return {"name": name, "kind": "discrete", "dtype": tag, "categories": [_py(c) for c in cats],
                "probs": probs.tolist()}

    # --- latent layout: one latent per column, plus one "missing" latent per continuous column with missing values
    @property
    def latent_names(self) -> list[str]:
        out = []
        for col in self.columns:
            out.append(col["name"])
            if col["kind"] == "continuous" and col["missing_rate"] > 0:
                out.append(col["name"] + "::missing")
        return out

    def names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    def column(self, name) -> dict:
        for c in self.columns:
            if c["name"] == name:
                return c
        raise SchemaError(f"column {name!r} is not in the fitted table (columns: {self.names()}).")

    @staticmethod
    def cut_points(col) -> np.ndarray:
        """Latent normal cut points of a discrete column: -inf, ..., +inf (len = n categories + 1)."""
        cum = np.concatenate([[0.0], np.cumsum(col["probs"])])
        cum[-1] = 1.0
        return special.ndtri(np.clip(cum, 0.0, 1.0))

    @staticmethod
    def category_index(col, value) -> int:
        lab = _label(value)
        for i, c in enumerate(col["categories"]):
            if _label(c) == lab:
                return i
        raise SchemaError(f"column {col['name']!r} has no category {value!r}; it has "
                          f"{[_label(c) for c in col['categories']]}.")

    def missing_cuts(self, col) -> np.ndarray:
        m = col["missing_rate"]
        return np.array([-np.inf, special.ndtri(1 - m), np.inf])  # interval 0 = present, 1 = missing

    # --- data -> normal scores (copula fitting)
    def normal_scores(self, df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        out = []
        for col in self.columns:
            s = df[col["name"]]
            if col["kind"] == "continuous":
                x = self.numbers(col, s)
                obs = ~np.isnan(x)
                z = np.full(len(x), np.nan)
                # ranks with random tie-breaking: the empirical CDF, mapped to the normal axis
                jitter = rng.random(obs.sum())
                order = np.lexsort((jitter, x[obs]))
                ranks = np.empty(obs.sum())
                ranks[order] = np.arange(1, obs.sum() + 1)
                z[obs] = special.ndtri((ranks - 0.5) / obs.sum())
                out.append(z)
                if col["missing_rate"] > 0:
                    cuts = self.missing_cuts(col)
                    k = (~obs).astype(int)
                    out.append(self._uniform_in(cuts, k, rng))
            else:
                cuts = self.cut_points(col)
                k = self.codes(col, s)
                out.append(self._uniform_in(cuts, k, rng))
        return np.column_stack(out)

    @staticmethod
    def numbers(col, s: pd.Series) -> np.ndarray:
        """A continuous column's values as floats (dates as days since 1970-01-01)."""
        if col.get("date_format"):
            return _as_days(s, col["date_format"])
        return s.to_numpy(float)

    def codes(self, col, s: pd.Series) -> np.ndarray:
        lookup = {_label(c): i for i, c in enumerate(col["categories"])}
        labels = s.map(_label)
        codes = labels.map(lookup)
        if codes.isna().any():
            bad = labels[codes.isna()].iloc[0]
            raise SchemaError(f"column {col['name']!r}: value {bad!r} was not seen in fitting.")
        return codes.to_numpy(int)

    @staticmethod
    def _uniform_in(cuts, k, rng):
        lo, hi = special.ndtr(cuts[k]), special.ndtr(cuts[k + 1])
        u = lo + (hi - lo) * rng.random(len(k))
        return special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))

    # --- normal scores -> data
    def continuous_from_uniform(self, col, u: np.ndarray) -> np.ndarray:
        x = np.interp(u, col["levels"], col["quantiles"])
        if col["dtype"] == "int":
            x = np.round(x)
        return x

    def continuous_to_uniform(self, col, x) -> np.ndarray:
        q, lev = np.asarray(col["quantiles"]), np.asarray(col["levels"])
        # a flat stretch of quantiles (point mass): take the middle of its levels
        lo = np.interp(x, q, lev, left=lev[0], right=lev[-1])
        hi = -np.interp(-np.asarray(x, float), -q[::-1], -lev[::-1], left=-lev[-1], right=-lev[0])
        return np.clip((lo + hi) / 2, _EPS, 1 - _EPS)

    def assemble(self, parts: dict[str, np.ndarray], n: int) -> pd.DataFrame:
        """Column values (continuous as floats with NaN; discrete as category codes) -> typed frame."""
        data = {}
        for col in self.columns:
            v = parts[col["name"]]
            if col["kind"] == "continuous":
                if col.get("date_format"):
                    data[col["name"]] = _from_days(v, col["date_format"])
                elif col["dtype"] == "int" and not np.isnan(v).any():
                    data[col["name"]] = v.astype(np.int64)
                else:
                    data[col["name"]] = v
            else:
                cats = col["categories"]
                has_missing = any(c is None for c in cats)
                if col["dtype"] in ("int", "bool") and not has_missing:
                    arr = np.asarray([c for c in cats], dtype=float)[v]
                    data[col["name"]] = arr.astype(bool) if col["dtype"] == "bool" else arr.astype(np.int64)
                elif col["dtype"] in ("int", "float", "bool"):
                    data[col["name"]] = np.asarray([np.nan if c is None else c for c in cats], dtype=float)[v]
                else:
                    data[col["name"]] = np.asarray(cats, dtype=object)[v]
        return pd.DataFrame(data, index=pd.RangeIndex(n))

    def to_config(self) -> dict:
        return {"max_discrete": self.max_discrete, "n_quantiles": self.n_quantiles, "kinds": self.kinds,
                "columns": self.columns, "ids": list(self.ids), "order": self.order, "unmodelled": self.unmodelled}

    @classmethod
    def from_config(cls, cfg: dict) -> "TableCodec":
        codec = cls(cfg["max_discrete"], cfg["n_quantiles"], cfg.get("kinds"), cfg.get("ids", ()))
        codec.columns = cfg["columns"]
        codec.order = cfg.get("order") or [c["name"] for c in codec.columns]
        codec.unmodelled = cfg.get("unmodelled", {})
        return codec

    def reissue(self, df: pd.DataFrame) -> pd.DataFrame:
        """The sampled frame with the unmodelled columns put back in their places: identifiers
        re-issued (fresh values that never come from the training table: 1..n for integers,
        "SYN-000001"... for text), free text left out (missing)."""
        if not self.unmodelled:
            return df
        out = {}
        n = len(df)
        for c in self.order:
            info = self.unmodelled.get(c)
            if info is None:
                out[c] = df[c]
            elif info["role"] == "free text":
                out[c] = pd.Series([None] * n, dtype=object)
            elif info["dtype"] in ("int", "float"):
                out[c] = pd.Series(np.arange(1, n + 1, dtype=np.int64))
            else:
                out[c] = pd.Series([f"SYN-{i:06d}" for i in range(1, n + 1)], dtype=object)
        return pd.DataFrame(out, index=df.index)
