"""Anonymeter's three attacks (Giomi et al. 2023), as privacy metric rows.

    singling_out_risk      predicates built from synthetic records ("age >= 81 and site == 'b'
                           and bmi <= 17.2") that match exactly one synthetic row: how many also
                           single out exactly one training record, beyond what they do on the holdout
    linkability_risk       the columns split in two halves, as two data sets an attacker holds:
                           how often the nearest synthetic record of both halves of one training
                           record is the same row (links them), beyond the holdout's rate
    inference_risk:<col>   guessing a sensitive column from the others with the nearest synthetic
                           record: success on training records beyond the holdout's, normalised by
                           what is left to guess (the 0.825 where a raw accuracy gain read 0.083)

Each risk is in [0, 1] (0: the synthetic data reveal nothing about a training record that they do
not reveal about a new one) with anonymeter's interval; the baseline (random guessing) is in the
details, and a row whose attack does no better than it says so. All three need the holdout as
anonymeter's control set. Statistics and distance: `anonymeter_stats`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from .._util.random import as_rng
from .anonymeter_stats import _as_number, _cat_key, _is_numberlike, attack_risk, gower_neighbours
from .metric import MetricResult, metric

N_ATTACKS = 500
MAX_SYNTHETIC = 20_000      # synthetic rows the attacks see (a random subsample beyond it, stated)
MAX_ATTEMPTS = 20_000       # candidate singling-out queries tried (anonymeter: 10 million)
PREFILTER_ROWS = 4_000
ISNULL, NOTNULL, EQ, NE, GT, LT, GE, LE = range(8)


# ---- singling out ------------------------------------------------------------------------------
def _query_matrix(frames: list[pd.DataFrame], columns):
    """All frames as float matrices with shared category codes (missing = NaN) and a numeric mask."""
    numeric = np.array([_is_numberlike(frames[0][c]) for c in columns])
    mats = [np.empty((len(f), len(columns))) for f in frames]
    for j, c in enumerate(columns):
        if numeric[j]:
            for m, f in zip(mats, frames):
                m[:, j] = _as_number(f[c])
        else:
            keys = [_cat_key(f[c]) for f in frames]
            cats = pd.Index(pd.unique(pd.concat(keys)))
            for m, k in zip(mats, keys):
                codes = cats.get_indexer(k).astype(float)
                codes[k.to_numpy() == "\0NA"] = np.nan
                m[:, j] = codes
    return mats, numeric


_TESTS = {ISNULL: lambda v, x: np.isnan(v), NOTNULL: lambda v, x: ~np.isnan(v), EQ: lambda v, x: v == x,
          NE: lambda v, x: (v != x) & ~np.isnan(v), GT: lambda v, x: v > x, LT: lambda v, x: v < x,
          GE: lambda v, x: v >= x, LE: lambda v, x: v <= x}


def count_matches(X: np.ndarray, cols, ops, vals, max_cells: int = 2**23) -> np.ndarray:
    """Rows of X matching each conjunctive query (cols/ops/vals: (n_queries, n_terms) arrays).
    A missing value satisfies only "is null" / fails "!=" (SQL semantics, as polars in anonymeter)."""
    nq = len(cols)
    out = np.zeros(nq, dtype=np.int64)
    step = max(1, max_cells // max(len(X), 1))
    for s in range(0, nq, step):
        c, o, v = cols[s:s + step], ops[s:s + step], vals[s:s + step]
        mask = np.ones((len(X), len(c)), dtype=bool)
        for t in range(c.shape[1]):
            for op in np.unique(o[:, t]):
                sel = np.flatnonzero(o[:, t] == op)
                with np.errstate(invalid="ignore"):
                    mask[:, sel] &= _TESTS[int(op)](X[:, c[sel, t]], v[sel, t][None, :])
        out[s:s + step] = mask.sum(axis=0)
    return out


def _from_records(X, numeric, n, n_cols, rng):
    """Anonymeter's multivariate queries: random synthetic records, `n_cols` random columns each;
    numbers as '>= value' above the column's median and '<= value' otherwise, the rest '== value'."""
    idx = rng.integers(0, len(X), n)
    cols = np.sort(np.argsort(rng.random((n, X.shape[1])), axis=1)[:, :n_cols], axis=1)
    vals = X[idx[:, None], cols]
    med = np.zeros(X.shape[1])
    for j in np.flatnonzero(numeric):
        v = X[:, j][~np.isnan(X[:, j])]
        med[j] = np.median(v) if len(v) else 0.0
    ops = np.where(numeric[cols], np.where(vals > med[cols], GE, LE), EQ)
    ops = np.where(np.isnan(vals), ISNULL, ops)
    return cols, ops, vals


def _random_queries(X, numeric, n, n_cols, rng):
    """Anonymeter's baseline: random columns, random observed values, random operators."""
    cols = np.sort(np.argsort(rng.random((n, X.shape[1])), axis=1)[:, :n_cols], axis=1)
    vals = np.empty(cols.shape)
    uniques = [pd.unique(X[:, j]) for j in range(X.shape[1])]
    for i in range(n):
        for t in range(n_cols):
            u = uniques[cols[i, t]]
            vals[i, t] = u[rng.integers(len(u))]
    ops = np.where(numeric[cols], rng.choice([EQ, NE, GT, LT, GE, LE], cols.shape), rng.choice([EQ, NE], cols.shape))
    ops = np.where(np.isnan(vals), np.where(ops == EQ, ISNULL, NOTNULL), ops)
    return cols, ops, vals


def _fit_correction(X_control, queries, n_target, rng) -> float:
    """Anonymeter's size correction of the control successes: fit n -> norm x P(singled out | n)
    on subsamples of the control set and take the ratio of the curve at both sizes."""
    def model(x, w, nrm):
        x = np.asarray(x, float)
        return nrm * (1 - (x * w + 1) * (1 - w) ** x) / (x + 1)
    n = len(X_control)
    sizes, hits = [], []
    # anonymeter starts at min(1000, n) rows, so below 1,000 control rows every size is n and the
    # fit is degenerate; from n / 5 up the curve has something to fit
    for size in np.linspace(max(n // 5, min(20, n)), n, 10).astype(int):
        for _ in range(5):
            sub = X_control[rng.choice(n, size, replace=False)]
            sizes.append(size)
            hits.append(int((count_matches(sub, *queries) == 1).sum()))
    x, y = np.array(sizes, float), np.array(hits, float)
    best, best_sse = None, np.inf
    # anonymeter starts once, at w = 1 / n; the least-squares surface has poor local optima (a
    # fit on a rising curve that ends decreasing), so start from several w and keep the best fit
    for w0 in np.array([0.1, 0.3, 1.0, 3.0, 10.0]) / max(sizes):
        p0 = (w0, max(y.mean(), 1.0) / max(model(np.mean(x), w0, 1.0), 1e-12))
        try:
            popt, _ = curve_fit(model, x, y, bounds=(0, (1, np.inf)), p0=p0)
        except RuntimeError:  # no convergence from this start
            continue
        sse = float(((model(x, *popt) - y) ** 2).sum())
        if sse < best_sse:
            best, best_sse = popt, sse
    if best is None:
        return 1.0
    return float(model(n_target, *best) / model(n, *best))


def singling_out_risk(train: pd.DataFrame, synthetic: pd.DataFrame, control: pd.DataFrame, *, n_attacks=N_ATTACKS,
                      n_cols: int = 3, max_attempts: int = MAX_ATTEMPTS, random_state=0) -> dict:
    """Multivariate singling-out risk (anonymeter's `SinglingOutEvaluator(...).evaluate("multivariate")`).

    Candidate queries are first counted on a random `PREFILTER_ROWS` of the synthetic rows: one that
    matches two of them matches at least two of all, so only the rest are counted on the whole
    table (exact, and ~10x fewer cells on a large table). At most `max_attempts` candidates are
    tried; when fewer than `n_attacks` single out a row the risk is computed over `n_attacks`
    anyway, as anonymeter does (it then underestimates, and the details say how many were found).
    """
    rng = as_rng(random_state)
    columns = list(train.columns)
    n_cols = min(n_cols, len(columns))
    ori, syn, ctl = (df.drop_duplicates() for df in (train, synthetic, control))
    (Xo, Xs, Xc), numeric = _query_matrix([ori, syn, ctl], columns)
    seen, keep = set(), [[], [], []]
    attempts = 0
    pre = Xs[rng.choice(len(Xs), PREFILTER_ROWS, replace=False)] if len(Xs) > 2 * PREFILTER_ROWS else None
    while sum(map(len, keep[0])) < n_attacks and attempts < max_attempts:
        q = _from_records(Xs, numeric, min(1000, max_attempts - attempts), n_cols, rng)
        attempts += len(q[0])
        if pre is not None:
            maybe = np.flatnonzero(count_matches(pre, *q) <= 1)
            q = tuple(a[maybe] for a in q)
        single = count_matches(Xs, *q) == 1
        for i in np.flatnonzero(single):
            key = (tuple(q[0][i]), tuple(q[1][i]), tuple(np.nan_to_num(q[2][i], nan=np.inf)))
            if key not in seen and len(seen) < n_attacks:
                seen.add(key)
                for part, arr in zip(keep, q):
                    part.append(arr[i:i + 1])
    queries = tuple(np.vstack(p) if p else np.zeros((0, n_cols)) for p in keep)
    queries = (queries[0].astype(int), queries[1].astype(int), queries[2])
    n_success = int((count_matches(Xo, *queries) == 1).sum())
    n_control = float((count_matches(Xc, *queries) == 1).sum())
    if len(Xc) != len(Xo) and n_control > 0:
        n_control *= _fit_correction(Xc, queries, len(Xo), rng)
    base = _random_queries(Xs, numeric, n_attacks, n_cols, rng)
    n_baseline = int((count_matches(Xo, *base) == 1).sum())
    out = attack_risk(n_attacks, n_success, n_baseline, min(n_control, n_attacks))
    out.update({"n_queries": len(queries[0]), "attempts": attempts})
    return out


# ---- linkability and inference ------------------------------------------------------------------
def linkability_risk(train, synthetic, control, aux_cols: tuple[list[str], list[str]], *, n_attacks=N_ATTACKS,
                     n_neighbors: int = 1, random_state=0) -> dict:
    """Anonymeter's `LinkabilityEvaluator`: link the two halves of a record through synthetic rows."""
    rng = as_rng(random_state)
    n = min(n_attacks, len(train), len(control))

    def links(target):
        t = target.iloc[rng.choice(len(target), n, replace=False)]
        a = gower_neighbours(t[aux_cols[0]], synthetic[aux_cols[0]], aux_cols[0], k=n_neighbors)
        b = gower_neighbours(t[aux_cols[1]], synthetic[aux_cols[1]], aux_cols[1], k=n_neighbors)
        return int(sum(bool(set(x) & set(y)) for x, y in zip(a, b)))

    n_success, n_control = links(train), links(control)
    ra = np.array([rng.choice(len(synthetic), n_neighbors, replace=False) for _ in range(2 * n)])
    n_baseline = int(sum(bool(set(x) & set(y)) for x, y in zip(ra[:n], ra[n:])))
    return attack_risk(n, n_success, n_baseline, n_control)


def inference_risk(train, synthetic, control, secret: str, *, regression: bool | None = None,
                   n_attacks=N_ATTACKS, tolerance: float = 0.05, random_state=0) -> dict:
    """Anonymeter's `InferenceEvaluator` with its nearest-record attacker. A number counts as
    guessed within `tolerance` of its own size (anonymeter divides by the guess, which lets every
    negative guess succeed); categories must match exactly."""
    rng = as_rng(random_state)
    aux = [c for c in train.columns if c != secret]
    if regression is None:
        regression = _is_numberlike(train[secret])

    def hits(guess, truth):
        g, t = guess.to_numpy(), truth.to_numpy()
        both_missing = pd.isna(g) & pd.isna(t)
        if regression:
            g, t = g.astype(float), t.astype(float)
            with np.errstate(invalid="ignore"):
                ok = np.abs(g - t) <= tolerance * np.abs(t)
        else:
            ok = g.astype(object) == t.astype(object)
        return int((ok | both_missing).sum())

    def attack(target, n):
        t = target.iloc[rng.choice(len(target), n, replace=False)]
        idx = gower_neighbours(t[aux], synthetic[aux], aux, k=1)[:, 0]
        return hits(synthetic[secret].iloc[idx], t[secret])

    n_main, n_ctrl = min(n_attacks, len(train)), min(n_attacks, len(control))
    n_base = min(len(synthetic), n_main)
    n_success, n_control = attack(train, n_main), attack(control, n_ctrl)
    t = train.iloc[rng.choice(len(train), n_base, replace=False)]
    guesses = synthetic[secret].iloc[rng.choice(len(synthetic), n_base, replace=False)]
    n_baseline = hits(guesses, t[secret])
    return attack_risk((n_main, n_base, n_ctrl), n_success, n_baseline, n_control)


# ---- metric rows ---------------------------------------------------------------------------------
def _row(name, res, what, **details):
    note = (f"anonymeter {what}: attack {res['attack_rate']:.3f}, control (holdout) {res['control_rate']:.3f}, "
            f"baseline (random guess) {res['baseline_rate']:.3f} over {res['n_attacks']:,} attacks; "
            "risk = (attack - control) / (1 - control); score = 1 - risk")
    if not res["trustworthy"]:
        note += "; the attack does no better than random guessing here, so the risk estimate is weak"
    return metric(name, "privacy", res["risk"], direction="lower", bounds=(0.0, 1.0), ci=res["ci"],
                  score=1.0 - res["risk"], notes=note, details={**res, **details})


def anonymeter_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, *,
                       sensitive=(), random_state=0, n_attacks: int = N_ATTACKS,
                       max_synthetic: int = MAX_SYNTHETIC) -> list[MetricResult]:
    """Singling-out, linkability and (per sensitive column) inference risk rows on aligned tables."""
    names = ["singling_out_risk", "linkability_risk"] + [f"inference_risk:{c}" for c in sensitive]
    if holdout is None or len(holdout) < 20:
        why = ("needs a real holdout of at least 20 rows as anonymeter's control set (what any sample of the "
               "population would reveal)")
        return [MetricResult.skipped(n, "privacy", why, direction="lower") for n in names]
    rng = as_rng(random_state)
    syn = synthetic if len(synthetic) <= max_synthetic else synthetic.iloc[
        np.sort(rng.choice(len(synthetic), max_synthetic, replace=False))]
    sub = f" (a random {len(syn):,} of {len(synthetic):,} synthetic rows)" if len(syn) < len(synthetic) else ""
    seeds = rng.integers(2**31 - 1, size=3 + len(sensitive))
    out = [_row("singling_out_risk", singling_out_risk(real, syn, holdout, n_attacks=n_attacks,
                                                        random_state=seeds[0]), "singling-out risk (3 columns)" + sub)]
    cols = list(real.columns)
    if len(cols) >= 2:
        order = as_rng(seeds[1]).permutation(cols).tolist()
        aux = (order[: len(cols) // 2], order[len(cols) // 2:])
        out.append(_row("linkability_risk", linkability_risk(real, syn, holdout, aux, n_attacks=n_attacks,
                                                             random_state=seeds[2]),
                        "linkability risk, columns split at random into two halves" + sub,
                        aux_cols=[list(aux[0]), list(aux[1])]))
    else:
        out.append(MetricResult.skipped("linkability_risk", "privacy", "needs at least two columns"))
    for c, seed in zip(sensitive, seeds[3:]):
        if c not in real.columns:
            out.append(MetricResult.failed(f"inference_risk:{c}", "privacy", f"sensitive column {c!r} is not in the table"))
            continue
        out.append(_row(f"inference_risk:{c}", inference_risk(real, syn, holdout, c, n_attacks=n_attacks,
                                                              random_state=seed),
                        f"inference risk of {c!r} from all other columns" + sub))
    return out
