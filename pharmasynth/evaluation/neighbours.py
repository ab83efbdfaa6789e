"""Distance to closest record (DCR) with a stated mixed-type distance, chunked and vectorised.

Distance between two rows (the SDMetrics definition, so that figures are comparable):
    numeric / datetime column j:  min(|a_j - b_j| / range_j, 1), range_j = max - min of the
                                  REFERENCE table's column (0-range columns: 0 if equal, else 1)
    categorical / boolean:        0 if equal, else 1
    missing values:               0 if both missing, 1 if exactly one is missing
    distance = mean over columns  (so it lies in [0, 1])

How it stays fast and bounded: query rows are processed in chunks of `chunk_rows`, so memory is
O(chunk_rows x reference rows) whatever the table sizes. Per chunk, complete in-range numeric
columns go through one L1 `torch.cdist`, categorical mismatches through one matrix product of
one-hot codes (mismatches = n_categorical - matches), and only the awkward cases (columns with
missing values, query values outside the reference range where the cap at 1 bites) take an
exact per-column broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._util.deprecation import renamed_kwargs
from .._util.parallel import parallel_map
from .tabular import TableSchema, as_float

# At most this many synthetic rows enter a privacy metric's nearest-record search (a random
# subsample beyond it), which bounds its time whatever the size of the synthetic table.
DCR_MAX_ROWS = 100_000
# Categorical columns with more levels than this (medical codes) compare by one equality test per
# cell; the others through one matrix product of one-hot codes, which is faster for few levels.
ONE_HOT_MAX_LEVELS = 64


@dataclass
class EncodedTable:
    num: np.ndarray        # (n, p) numeric values divided by the reference range (NaN kept)
    cat: np.ndarray        # (n, q) int category codes (missing is its own code)


class DistanceEncoder:
    """Fitted on the reference table: ranges of numeric columns, category codes of the rest."""

    def __init__(self, schema: TableSchema, reference: pd.DataFrame, others: list[pd.DataFrame] = ()):
        self.schema = schema
        self.numeric, self.categorical = [], []
        self.ranges = {}
        self.lows = {}
        for c, k in schema.kinds.items():
            if k in ("numeric", "datetime"):
                v = as_float(reference[c], datetime_unit="s")
                if np.isfinite(v).any() and np.nanmax(v) > np.nanmin(v):
                    self.numeric.append(c)
                    self.ranges[c] = float(np.nanmax(v) - np.nanmin(v))
                    self.lows[c] = float(np.nanmin(v))
                else:  # a 0-range column compares by equality, like a category
                    self.categorical.append(c)
            else:
                self.categorical.append(c)
        self.codes = {}  # column -> pd.Index of the known keys; a key's position is its code
        for c in self.categorical:
            vals = pd.concat([reference[c]] + [o[c] for o in others])
            self.codes[c] = pd.Index(pd.unique(self._cat_key(vals)), dtype=object)
        self.n_columns = len(schema.kinds)

    def _cat_key(self, s: pd.Series) -> pd.Series:
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            s = pd.Series(as_float(s, datetime_unit="s"), index=s.index)
        s = s.astype(object)
        return s.where(s.notna(), "\0NA")  # every kind of missing (None, NaN, NaT) is one key

    def transform(self, df: pd.DataFrame) -> EncodedTable:
        num = np.column_stack([(as_float(df[c], datetime_unit="s") - self.lows[c]) / self.ranges[c] for c in self.numeric]) \
            if self.numeric else np.zeros((len(df), 0))
        cat = np.zeros((len(df), len(self.categorical)), dtype=np.int64)
        for j, c in enumerate(self.categorical):
            codes = self.codes[c].get_indexer(self._cat_key(df[c]))
            # keys unseen at fit time get fresh negative ids (they can never match the reference)
            unseen = codes < 0
            codes[unseen] = -1 - np.flatnonzero(unseen)
            cat[:, j] = codes
        return EncodedTable(num.astype(np.float64), cat)


def _exact_columns(q, r, total_rows, total):
    """Exact per-column rule (cap at 1, missing = 1, both missing = 0) added into `total`.

    One column at a time keeps memory at one (rows x reference) float32 matrix."""
    import torch

    for j in range(q.shape[1]):
        a, b = q[:, j].unsqueeze(1), r[:, j].unsqueeze(0)
        d = (a - b).abs_().clamp_(max=1.0)
        an, bn = torch.isnan(a), torch.isnan(b)
        d.masked_fill_(an ^ bn, 1.0).masked_fill_(an & bn, 0.0)
        if total_rows is None:
            total += d
        else:
            total[total_rows] += d


def _chunk_min_distances(q_num, q_cat, r_num, r_cat, r_onehot_t, cat_offsets, cat_sizes, n_columns, k):
    """Exact distances of one query chunk to the whole reference; returns the k smallest."""
    import torch

    n_q, n_r = q_num.shape[0], r_num.shape[0]
    total = torch.zeros((n_q, n_r), dtype=torch.float32)
    if q_num.shape[1]:
        qn, rn = torch.from_numpy(q_num).float(), torch.from_numpy(r_num).float()
        # Numeric values are scaled so that the reference range is [0, 1]. A reference column
        # with values outside [0, 1] (possible when another table's scaling is shared) takes
        # the exact per-column rule; so does every query row with a value outside [0, 1].
        r_in = ((rn >= 0) & (rn <= 1)) | torch.isnan(rn)
        good = r_in.all(0)
        qg, rg = qn[:, good], rn[:, good]
        q_in = (((qg >= 0) & (qg <= 1)) | torch.isnan(qg)).all(1)
        if good.any() and q_in.any():
            # Fast rows: with missing values set to 0, |a - b| is exact when both are present,
            # 0 when both are missing, and b (or a) when only a (or b) is missing, where the
            # rule wants 1: the bilinear correction  ma (1-mb)(1-b) + mb (1-ma)(1-a)  fixes it
            # with two matrix products instead of a per-column pass.
            qf = qg[q_in]
            qm, rm = torch.isnan(qf).float(), torch.isnan(rg).float()
            q0, r0 = torch.nan_to_num(qf, nan=0.0), torch.nan_to_num(rg, nan=0.0)
            part = torch.cdist(q0, r0, p=1)
            has_nan = (qm.any(0) | rm.any(0))
            if has_nan.any():
                qm, rm, q0n, r0n = qm[:, has_nan], rm[:, has_nan], q0[:, has_nan], r0[:, has_nan]
                left = torch.cat([qm, (1 - qm) * (1 - q0n)], 1)
                right = torch.cat([(1 - rm) * (1 - r0n), rm], 1)
                part.addmm_(left, right.T)
            if bool(q_in.all()):
                total += part
            else:
                total[q_in] += part
        if good.any() and (~q_in).any():
            _exact_columns(qg[~q_in], rg, ~q_in, total)
        if (~good).any():
            _exact_columns(qn[:, ~good], rn[:, ~good], None, total)
    wide = [j for j in range(q_cat.shape[1]) if cat_sizes[j] > ONE_HOT_MAX_LEVELS]
    for j in wide:
        # many-level codes (ICD-10, ATC): one equality test per cell instead of a one-hot product
        # whose cost grows with the number of levels; unseen query codes (< 0) never match
        total += torch.from_numpy(q_cat[:, j]).unsqueeze(1).ne(torch.from_numpy(r_cat[:, j]).unsqueeze(0)).float()
    narrow = [j for j in range(q_cat.shape[1]) if cat_sizes[j] <= ONE_HOT_MAX_LEVELS]
    if narrow:
        # one-hot over the known codes; a query code < 0 (unseen) has no 1 and so never matches
        cols = []
        for j in narrow:
            codes = q_cat[:, j]
            cols.append(np.where(codes >= 0, codes + cat_offsets[j], -1))
        idx = np.column_stack(cols)
        q_onehot = torch.zeros((n_q, r_onehot_t.shape[0]), dtype=torch.float32)
        rows = np.repeat(np.arange(n_q), idx.shape[1])
        flat = idx.ravel()
        keep = flat >= 0
        q_onehot[torch.from_numpy(rows[keep]), torch.from_numpy(flat[keep])] = 1.0
        total.addmm_(q_onehot, r_onehot_t, alpha=-1.0)   # minus the number of matching categories
        total += float(len(narrow))
    total /= n_columns
    kk = min(k, n_r)
    vals, idx = torch.topk(total, kk, dim=1, largest=False)
    return vals.double().numpy(), idx.numpy()


# Cells (query rows x reference rows) of one chunk's distance matrix: 2**24 float32 = 64 MB, and a
# chunk holds about four such matrices at once, so a few hundred MB whatever the table sizes.
MAX_CHUNK_CELLS = 2**24


def _chunk_task(args):
    return _chunk_min_distances(*args)


@renamed_kwargs(scheduler="client")
def nearest_distances(query: pd.DataFrame, reference: pd.DataFrame, schema: TableSchema, *, k: int = 1,
                      chunk_rows: int = 2048, client=None, encoder: DistanceEncoder | None = None,
                      progress_bar=None) -> tuple[np.ndarray, np.ndarray]:
    """Distances (n_query, k) and indices of the k closest reference rows, ascending.

    `encoder` defaults to one fitted on `reference` (ranges of the reference table, as SDMetrics);
    `client` fans the chunks out over Dask (see `parallel_map`).
    Memory: chunks of at most `chunk_rows` query rows and MAX_CHUNK_CELLS distances, about four
    float32 matrices of that size at a time (fewer query rows per chunk for a large reference).
    """
    import torch

    chunk_rows = max(16, min(chunk_rows, MAX_CHUNK_CELLS // max(len(reference), 1)))
    enc = encoder or DistanceEncoder(schema, reference, [query])
    q, r = enc.transform(query), enc.transform(reference)
    sizes = [max(len(enc.codes[c]), 1) for c in enc.categorical]
    # only the columns with few levels are one-hot encoded (see _chunk_min_distances)
    narrow_sizes = [n if n <= ONE_HOT_MAX_LEVELS else 0 for n in sizes]
    offsets = np.r_[0, np.cumsum(narrow_sizes)[:-1]].astype(np.int64) if sizes else np.zeros(0, np.int64)
    r_onehot = np.zeros((len(reference), int(sum(narrow_sizes))), dtype=np.float32)
    for j in range(r.cat.shape[1]):
        if sizes[j] <= ONE_HOT_MAX_LEVELS:
            r_onehot[np.arange(len(reference)), r.cat[:, j] + offsets[j]] = 1.0
    r_onehot_t = torch.from_numpy(r_onehot.T.copy())
    tasks = [(q.num[s:s + chunk_rows], q.cat[s:s + chunk_rows], r.num, r.cat, r_onehot_t, offsets, sizes,
              enc.n_columns, k) for s in range(0, len(query), chunk_rows)]
    results = parallel_map(_chunk_task, tasks, client=client, desc="nearest records", progress_bar=progress_bar)
    if not results:
        return np.zeros((0, k)), np.zeros((0, k), dtype=np.int64)
    return np.vstack([d for d, _ in results]), np.vstack([i for _, i in results])


@renamed_kwargs(scheduler="client")
def dcr(query: pd.DataFrame, reference: pd.DataFrame, schema: TableSchema, **kw) -> np.ndarray:
    """Distance from every query row to its closest reference row (keywords as `nearest_distances`)."""
    return nearest_distances(query, reference, schema, k=1, **kw)[0][:, 0]
