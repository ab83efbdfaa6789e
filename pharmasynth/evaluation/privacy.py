"""Privacy: how much does the synthetic table give away about the records it was trained on?

- DCR (distance to closest record, see `neighbours`): share of synthetic rows closer to the
  training table than to the holdout (0.5 ideal; 1.0 = the generator memorised its input), the
  SDMetrics-equivalent DCROverfittingProtection / DCRBaselineProtection scores, the exact-copy
  rate (on every row, by hashing) against the real-data base rate, and the nearest-neighbour
  distance ratio (NNDR).
- Membership inference, two attacks, members = training rows, non-members = holdout rows:
  (a) distance: a record close to some synthetic row is guessed "member";
  (b) density ratio in the style of DOMIAS (van Breugel et al., 2023): p_synthetic(x) / p_reference(x),
      both densities Gaussian mixtures on standardised, PCA-reduced features, the reference
      population being a part of the holdout the attack does not score.
  Each: ROC AUC and TPR at 1 % FPR, bootstrap CIs; the worst AUC is the headline.
- Attribute inference for declared sensitive columns: a model trained on the synthetic data
  predicts the sensitive value of training records from the other columns; the baseline is the
  same model trained on an equal number of real holdout records (it never saw the synthetic
  data). The advantage (attacker - baseline accuracy) carries a paired bootstrap CI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.random import as_rng
from .fidelity import encode_for_model
from .metric import MetricResult, metric
from .neighbours import DistanceEncoder, nearest_distances
from .report import Report
from .tabular import TableSchema

DCR_MAX_ROWS = 100_000
ATTACK_MAX_ROWS = 2_000
N_BOOT = 200


def _subsample(df: pd.DataFrame, n: int | None, rng) -> pd.DataFrame:
    if n is None or len(df) <= n:
        return df
    return df.iloc[np.sort(rng.choice(len(df), n, replace=False))]


def _wilson(k: float, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (np.nan, np.nan)
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(c - h, 0.0)), float(min(c + h, 1.0))


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
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


def random_baseline_data(real: pd.DataFrame, schema: TableSchema, n: int, rng) -> pd.DataFrame:
    """Uniform random rows within the real columns' ranges / categories, missing at the real rate
    (the reference that DCRBaselineProtection compares against)."""
    cols = {}
    for c, k in schema.kinds.items():
        s = real[c]
        if k == "numeric":
            v = s.dropna()
            if len(v) and np.all(np.mod(v, 1) == 0):
                vals = rng.integers(int(v.min()), int(v.max()) + 1, size=n).astype(float)
            else:
                vals = rng.uniform(v.min(), v.max(), size=n) if len(v) else np.full(n, np.nan)
            col = pd.Series(vals)
        elif k == "datetime":
            lo, hi = s.min(), s.max()
            col = pd.Series(lo + pd.to_timedelta(rng.uniform(0, (hi - lo).total_seconds(), n), unit="s"))
        else:
            col = pd.Series(rng.choice(s.dropna().unique(), size=n), dtype=object)
        col[rng.random(n) < s.isna().mean()] = None if k in ("categorical", "boolean") else np.nan
        cols[c] = col
    return pd.DataFrame(cols)


def dcr_overfitting_protection(train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame,
                               schema: TableSchema, *, scheduler=None) -> dict:
    """SDMetrics' DCROverfittingProtection, exactly: min(2 x (1 - share closer to train), 1).

    "Closer" is strict (ties count as holdout) and each side is scaled by its own reference
    table's ranges, as SDMetrics does. `privacy_report` additionally gives the fairer
    equal-size, shared-scaling share (`dcr_share_closer_to_train`); this function exists so that
    the number can be compared one to one with SDMetrics (see benchmarks/bench_vs_sdmetrics.py).
    """
    d_train = nearest_distances(synthetic, train, schema, k=1, scheduler=scheduler)[0][:, 0]
    d_hold = nearest_distances(synthetic, holdout, schema, k=1, scheduler=scheduler)[0][:, 0]
    share = float(np.mean(d_train < d_hold))
    return {"score": min((1.0 - share) * 2.0, 1.0), "closer_to_training": share, "closer_to_holdout": 1.0 - share}


def dcr_baseline_protection(real: pd.DataFrame, synthetic: pd.DataFrame, schema: TableSchema, *,
                            random_data: pd.DataFrame | None = None, random_state=None, scheduler=None) -> dict:
    """SDMetrics' DCRBaselineProtection: min(1, median DCR synthetic->real / median DCR random->real).

    `random_data` defaults to `random_baseline_data` with as many rows as `synthetic` (uniform
    within the real ranges and categories, missing at the real rates); pass a table to compare
    against a given baseline (the benchmark passes SDMetrics' own random table).
    """
    if random_data is None:
        random_data = random_baseline_data(real, schema, len(synthetic), as_rng(random_state))
    med_s = float(np.median(nearest_distances(synthetic, real, schema, k=1, scheduler=scheduler)[0][:, 0]))
    med_r = float(np.median(nearest_distances(random_data, real, schema, k=1, scheduler=scheduler)[0][:, 0]))
    score = min(med_s / med_r, 1.0) if med_r > 0 else float("nan")
    return {"score": score, "median_dcr_synthetic": med_s, "median_dcr_random": med_r}


def _roc(y, score):
    """AUC, TPR at 1 % FPR, and the ROC curve (for the plot)."""
    from sklearn.metrics import roc_curve

    auc, tpr_at = _auc_and_tpr(score[y == 1], score[y == 0])
    fpr, tpr, _ = roc_curve(y, score)
    return auc, tpr_at, fpr, tpr


def _auc_and_tpr(pos_scores, neg_scores, max_fpr=0.01):
    """Exact empirical ROC AUC (ties count 1/2) and the highest TPR at FPR <= max_fpr.

    Sorting the negatives once makes both O(n log n) with no per-threshold loop, which is what
    lets the bootstrap below run hundreds of replicates on thousands of candidates quickly.
    """
    neg = np.sort(neg_scores)
    below = np.searchsorted(neg, pos_scores, side="left")
    ties = np.searchsorted(neg, pos_scores, side="right") - below
    auc = (below.sum() + 0.5 * ties.sum()) / (len(pos_scores) * len(neg))
    # a threshold t flags scores >= t; FPR <= max_fpr allows at most m negatives at or above t,
    # i.e. t above the (m+1)-th largest negative; the best such t flags every positive above it
    m = int(np.floor(max_fpr * len(neg) + 1e-9))
    tpr = 1.0 if m >= len(neg) else float(np.mean(pos_scores > neg[len(neg) - m - 1]))
    return float(auc), tpr


def _bootstrap_attack(y, score, rng, n_boot=N_BOOT):
    pos, neg = score[y == 1], score[y == 0]
    aucs, tprs = np.empty(n_boot), np.empty(n_boot)
    for b in range(n_boot):
        aucs[b], tprs[b] = _auc_and_tpr(rng.choice(pos, len(pos)), rng.choice(neg, len(neg)))
    return (tuple(np.quantile(aucs, [0.025, 0.975])), tuple(np.quantile(tprs, [0.025, 0.975])))


def _density_features(frames: list[pd.DataFrame], schema: TableSchema, fit_on: int, max_dims: int = 10):
    """Standardised numeric (+ missing flags) and one-hot categorical features, PCA-reduced."""
    from sklearn.decomposition import PCA

    parts = [[] for _ in frames]
    base = frames[fit_on]
    for c in schema.numeric + schema.datetime:
        vals = [encode_for_model([f], TableSchema({c: schema.kinds[c]}))[0][:, 0] for f in frames]
        mu, sd = np.nanmean(vals[fit_on]), np.nanstd(vals[fit_on]) or 1.0
        for i, v in enumerate(vals):
            miss = np.isnan(v)
            parts[i].append(np.where(miss, 0.0, (v - mu) / sd))
            if np.isnan(vals[fit_on]).any():
                parts[i].append(miss.astype(float))
    for c in schema.categorical:
        top = base[c].fillna("NA").value_counts().index[:20]
        for cat in top:
            for i, f in enumerate(frames):
                parts[i].append((f[c].fillna("NA") == cat).to_numpy(dtype=float))
    X = [np.column_stack(p) if p else np.zeros((len(f), 1)) for p, f in zip(parts, frames)]
    dims = min(max_dims, X[fit_on].shape[1], max(len(X[fit_on]) - 1, 1))
    pca = PCA(n_components=dims, random_state=0).fit(X[fit_on])
    return [pca.transform(x) for x in X]


def _gmm_logpdf(train_X, query_X, seed, n_components=8):
    from sklearn.mixture import GaussianMixture

    k = max(1, min(n_components, len(train_X) // 50))
    gm = GaussianMixture(n_components=k, covariance_type="full", reg_covar=1e-3, random_state=seed, max_iter=200)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        gm.fit(train_X)
        return gm.score_samples(query_X)


def privacy_report(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: TableSchema,
                   *, sensitive=(), random_state=0, scheduler=None, max_rows: int | None = None,
                   dcr_max_rows: int = DCR_MAX_ROWS, attack_max_rows: int = ATTACK_MAX_ROWS,
                   plots: bool = True) -> Report:
    """All privacy metrics. Inputs are already aligned (`tabular.align_tables`).

    max_rows      caps the attack sample per side (members, non-members) when given
    dcr_max_rows  caps the synthetic rows whose DCR is computed (a random subsample, stated)
    """
    rng = as_rng(random_state)
    attack_max_rows = max_rows or attack_max_rows
    rep = Report()
    need = "needs a real holdout (records the generator never saw)"

    # --- exact copies: every synthetic row, by hashing --------------------------------------
    train_hash = np.unique(_row_hashes(real))
    copies = np.isin(_row_hashes(synthetic), train_hash)
    rate = float(copies.mean())
    base_rate = float(np.isin(_row_hashes(holdout), train_hash).mean()) if holdout is not None else 0.0
    excess = max(rate - base_rate, 0.0)
    rep.add(metric("exact_copy_rate", "privacy", rate, direction="lower", bounds=(0.0, 1.0),
                   ci=_wilson(copies.sum(), len(copies)), score=float(1.0 - min(1.0, 10.0 * excess)),
                   notes=f"share of all {len(copies):,} synthetic rows identical to a training row; real-data base "
                         f"rate (holdout rows found in train) {base_rate:.2%}; score = 1 - min(1, 10 x excess over base rate)",
                   details={"n_copies": int(copies.sum()), "holdout_base_rate": base_rate}))

    # --- DCR -------------------------------------------------------------------------------
    syn_s = _subsample(synthetic, dcr_max_rows, rng)
    sub_note = (f"on a random {len(syn_s):,} of {len(synthetic):,} synthetic rows" if len(syn_s) < len(synthetic)
                else f"on all {len(syn_s):,} synthetic rows")
    d_train, _ = nearest_distances(syn_s, real, schema, k=2, scheduler=scheduler)
    dcr_train = d_train[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        nndr = np.where(d_train[:, 1] > 0, d_train[:, 0] / d_train[:, 1], 0.0) if d_train.shape[1] > 1 else np.zeros(len(d_train))
    rep.frames["dcr_train"] = pd.DataFrame({"dcr_train": dcr_train})
    rep.add(metric("nndr_p05", "privacy", float(np.quantile(nndr, 0.05)), direction="higher", bounds=(0.0, 1.0),
                   score=None, notes=f"5th percentile of the nearest/second-nearest training distance ratio {sub_note}; "
                                     "values near 0 mean synthetic rows sit on isolated training records (reported, not scored)",
                   details={"nndr_quantiles": dict(zip(["p01", "p05", "p25", "p50"],
                                                       np.quantile(nndr, [0.01, 0.05, 0.25, 0.5]).tolist()))}))
    rand = random_baseline_data(real, schema, len(syn_s), rng)
    d_rand, _ = nearest_distances(rand, real, schema, k=1, scheduler=scheduler)
    med_s, med_r = float(np.median(dcr_train)), float(np.median(d_rand[:, 0]))
    bp = min(med_s / med_r, 1.0) if med_r > 0 else np.nan
    rep.add(metric("dcr_baseline_protection", "privacy", bp, direction="higher", bounds=(0.0, 1.0), score=None,
                   notes=f"SDMetrics DCRBaselineProtection: min(1, median DCR synthetic->train / median DCR "
                         f"uniform-random->train) {sub_note}; medians {med_s:.4f} / {med_r:.4f}. Reported, not scored: "
                         "fresh draws from the real distribution itself score low on it, so it rewards unfaithful data",
                   details={"median_dcr_synthetic": med_s, "median_dcr_random": med_r}))
    if holdout is None:
        for name in ("dcr_share_closer_to_train", "dcr_overfitting_protection", "membership_inference_auc_worst"):
            rep.add(MetricResult.skipped(name, "privacy", need))
    else:
        # one scaling (the training table's ranges) for both sides, so that a holdout with a
        # narrower or wider range than the training table does not tilt the comparison
        shared = DistanceEncoder(schema, real, [syn_s, holdout])
        dcr_hold = nearest_distances(syn_s, holdout, schema, k=1, scheduler=scheduler, encoder=shared)[0][:, 0]
        rep.frames["dcr_holdout"] = pd.DataFrame({"dcr_holdout": dcr_hold})
        # a bigger table has closer neighbours by size alone: compare equal numbers of records
        n_eq = min(len(real), len(holdout))
        train_eq = _subsample(real, n_eq, rng)
        hold_eq = _subsample(holdout, n_eq, rng)
        d_tr_eq = dcr_train if len(train_eq) == len(real) else \
            nearest_distances(syn_s, train_eq, schema, k=1, scheduler=scheduler, encoder=shared)[0][:, 0]
        d_ho_eq = dcr_hold if len(hold_eq) == len(holdout) else \
            nearest_distances(syn_s, hold_eq, schema, k=1, scheduler=scheduler, encoder=shared)[0][:, 0]
        closer = d_tr_eq < d_ho_eq                          # strict: ties count as holdout
        ties = float(np.mean(d_tr_eq == d_ho_eq))
        share = float(closer.mean())
        rep.add(metric("dcr_share_closer_to_train", "privacy", share, direction="target", target=0.5,
                       bounds=(0.0, 1.0), score=float(1.0 - 2.0 * max(share - 0.5, 0.0)),
                       ci=_wilson(closer.sum(), len(closer)),
                       notes=f"share of synthetic rows strictly closer to a training than to a holdout record {sub_note} "
                             f"(ties {ties:.2%} count as holdout), both sides {n_eq:,} records (random subsample of "
                             f"the larger), distances scaled by the training ranges; 0.5 ideal",
                       details={"ties": ties, "n_train": len(real), "n_holdout": len(holdout), "n_compared": n_eq}))
        # SDMetrics' own definition scales each side by its own reference table's ranges
        dcr_hold_own = nearest_distances(syn_s, holdout, schema, k=1, scheduler=scheduler)[0][:, 0]
        share_sdm = float(np.mean(dcr_train < dcr_hold_own))
        rep.add(metric("dcr_overfitting_protection", "privacy", min((1.0 - share_sdm) * 2.0, 1.0), direction="higher",
                       bounds=(0.0, 1.0), score=None,
                       notes="SDMetrics DCROverfittingProtection = min(2 x (1 - share closer to train), 1), each side "
                             "scaled by its own reference ranges as SDMetrics does; reported for comparison, not scored twice",
                       details={"share_closer_to_train": share_sdm}))
        _membership(rep, real, synthetic, holdout, schema, rng, attack_max_rows, scheduler, plots)
    for col in sensitive:
        _attribute_inference(rep, real, synthetic, holdout, schema, col, rng, attack_max_rows)
    if plots:
        _dcr_plot(rep)
    return rep


def _membership(rep, real, synthetic, holdout, schema, rng, max_rows, scheduler, plots):
    n_non = min(len(holdout) // 2, max_rows)
    n_mem = min(len(real), n_non)
    if n_non < 20:
        rep.add(MetricResult.skipped("membership_inference_auc_worst", "privacy",
                                     f"the holdout has {len(holdout)} rows; the attacks need at least 40"))
        return
    perm = rng.permutation(len(holdout))
    non_members = holdout.iloc[np.sort(perm[:n_non])]
    ref_pop = holdout.iloc[np.sort(perm[n_non:])]              # DOMIAS' reference population
    members = real.iloc[np.sort(rng.choice(len(real), n_mem, replace=False))]
    cand = pd.concat([members, non_members], ignore_index=True)
    y = np.r_[np.ones(n_mem), np.zeros(n_non)]
    syn_s = _subsample(synthetic, DCR_MAX_ROWS, rng)
    notes_n = f"{n_mem:,} members (training rows) vs {n_non:,} non-members (holdout rows)"

    d = nearest_distances(cand, syn_s, schema, k=1, scheduler=scheduler)[0][:, 0]
    s_dist = -d
    syn_d = _subsample(synthetic, 20_000, rng)
    Xs, Xr, Xc = _density_features([syn_d, ref_pop, cand], schema, fit_on=0)
    seed = int(rng.integers(2**31 - 1))
    s_dom = _gmm_logpdf(Xs, Xc, seed) - _gmm_logpdf(Xr, Xc, seed)
    results = {}
    for name, score in (("distance", s_dist), ("domias", s_dom)):
        auc, tpr, fpr, tprs = _roc(y, score)
        auc_ci, tpr_ci = _bootstrap_attack(y, score, rng)
        results[name] = (auc, fpr, tprs)
        rep.add(metric(f"mia_{name}_auc", "privacy", auc, direction="target", target=0.5, bounds=(0.0, 1.0), ci=auc_ci,
                       score=None, notes=f"ROC AUC of the {name} membership attack, {notes_n}; bootstrap CI"))
        rep.add(metric(f"mia_{name}_tpr_at_1pct_fpr", "privacy", tpr, direction="lower", bounds=(0.0, 1.0), ci=tpr_ci,
                       score=None, notes="true-positive rate at 1 % false-positive rate (0.01 = chance)"))
    worst = max(results, key=lambda k: results[k][0])
    auc = results[worst][0]
    rep.add(metric("membership_inference_auc_worst", "privacy", auc, direction="target", target=0.5, bounds=(0.0, 1.0),
                   score=float(1.0 - 2.0 * max(auc - 0.5, 0.0)),
                   ci=next(m.ci for m in rep.metrics if m.name == f"mia_{worst}_auc"),
                   notes=f"worst case over the attacks (here: {worst}); 0.5 = no better than guessing; "
                         "score = 1 - 2 x max(AUC - 0.5, 0)"))
    if plots:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(4.6, 4.2))
        for name, (a, fpr, tpr) in results.items():
            ax.plot(fpr, tpr, label=f"{name} (AUC {a:.3f})")
        ax.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
        ax.set_xlabel("false-positive rate")
        ax.set_ylabel("true-positive rate")
        ax.legend(loc="lower right")
        rep.add_figure("Membership-inference ROC curves", fig, notes_n, section="privacy")


def _attribute_inference(rep, real, synthetic, holdout, schema, col, rng, max_rows):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    name = f"attribute_inference_advantage:{col}"
    if col not in schema.kinds:
        rep.add(MetricResult.failed(name, "privacy", f"sensitive column {col!r} is not in the table"))
        return
    kind = schema.kinds[col]
    feats = TableSchema({c: k for c, k in schema.kinds.items() if c != col})
    targets = real[real[col].notna()]
    victims = _subsample(targets, max_rows, rng)
    n_train = min(len(synthetic), len(holdout) if holdout is not None else len(synthetic), 20_000)
    syn_t = _subsample(synthetic[synthetic[col].notna()], n_train, rng)
    classify = kind in ("categorical", "boolean")
    seed = int(rng.integers(2**31 - 1))

    def fit_predict(train_df):
        Xt, Xv = encode_for_model([train_df, victims], feats)
        cat_mask = np.array([k in ("categorical", "boolean") for k in feats.kinds.values()])
        Model = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        m = Model(max_iter=100, random_state=seed, categorical_features=cat_mask if cat_mask.any() else None)
        yt = train_df[col].astype(str).to_numpy() if classify else train_df[col].astype(float).to_numpy()
        if classify and len(np.unique(yt)) < 2:
            return np.full(len(victims), yt[0] if len(yt) else None)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # see utility._fit_predict
            m.fit(Xt, yt)
            return m.predict(Xv)

    truth = victims[col].astype(str).to_numpy() if classify else victims[col].astype(float).to_numpy()
    tol = 0.05 * (np.nanmax(real[col].astype(float)) - np.nanmin(real[col].astype(float))) if not classify else 0.0
    def hits(pred):
        return (pred == truth).astype(float) if classify else (np.abs(pred - truth) <= tol).astype(float)
    h_att = hits(fit_predict(syn_t))
    if holdout is not None and holdout[col].notna().sum() >= 20:
        base_df = _subsample(holdout[holdout[col].notna()], n_train, rng)
        h_base = hits(fit_predict(base_df))
        base_desc = f"same model trained on {len(base_df):,} real holdout rows"
    else:
        if classify:
            h_base = (truth == real[col].astype(str).mode().iloc[0]).astype(float)
        else:
            h_base = (np.abs(np.nanmedian(real[col].astype(float)) - truth) <= tol).astype(float)
        base_desc = "majority class / median guess (no holdout given)"
    adv = float(h_att.mean() - h_base.mean())
    boots = []
    for _ in range(N_BOOT):
        idx = rng.integers(0, len(truth), len(truth))
        boots.append(h_att[idx].mean() - h_base[idx].mean())
    rep.add(metric(name, "privacy", adv, direction="lower", bounds=(-1.0, 1.0),
                   ci=tuple(np.quantile(boots, [0.025, 0.975])), score=float(1.0 - np.clip(2.0 * adv, 0.0, 1.0)),
                   notes=(f"attacker ({'accuracy' if classify else f'within ±{tol:.3g}'}) trained on {len(syn_t):,} synthetic rows "
                          f"minus baseline ({base_desc}), both predicting {col!r} for {len(victims):,} training records; "
                          f"attacker {h_att.mean():.3f}, baseline {h_base.mean():.3f}; score = 1 - clip(2 x advantage, 0, 1)"),
                   details={"attacker": float(h_att.mean()), "baseline": float(h_base.mean())}))


def _dcr_plot(rep):
    if "dcr_train" not in rep.frames:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    a = rep.frames["dcr_train"]["dcr_train"].to_numpy()
    hi = float(np.quantile(a, 0.995))
    if "dcr_holdout" in rep.frames:
        hi = max(hi, float(np.quantile(rep.frames["dcr_holdout"]["dcr_holdout"], 0.995)))
    bins = np.linspace(0, hi if hi > 0 else 1.0, 40)
    ax.hist(a, bins=bins, alpha=0.6, label="synthetic -> train", density=True)
    if "dcr_holdout" in rep.frames:
        ax.hist(rep.frames["dcr_holdout"]["dcr_holdout"].to_numpy(), bins=bins, alpha=0.6,
                label="synthetic -> holdout", density=True)
    ax.set_xlabel("distance to closest record")
    ax.set_ylabel("density")
    ax.legend()
    rep.add_figure("Distance to closest record", fig,
                   "A synthetic set that memorised its training data piles up near 0 on the 'train' side.",
                   section="privacy")
