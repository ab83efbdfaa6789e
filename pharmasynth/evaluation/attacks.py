"""Privacy attacks: what an adversary holding the synthetic table can learn about real records.

- Membership inference, two attacks, members = training rows, non-members = holdout rows:
  (a) distance: a record close to some synthetic row is guessed "member";
  (b) density ratio in the style of DOMIAS (van Breugel et al., 2023): p_synthetic(x) / p_reference(x),
      both densities nearest-neighbour estimates on standardised, PCA-reduced features, the
      reference population being a part of the holdout the attack does not score.
  Each: ROC AUC and TPR at 1 % FPR, bootstrap CIs; the worst AUC is the headline.
- Attribute inference for a declared sensitive column: a model trained on the synthetic data
  predicts the sensitive value of training records from the other columns; the baseline is the
  same model trained on an equal number of real holdout records (it never saw the synthetic
  data). The advantage (attacker - baseline accuracy) carries a paired bootstrap CI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.deprecation import renamed_kwargs
from .._util.random import as_rng
from .metric import MetricResult, chance_score, metric, wilson_interval
from .neighbours import DCR_MAX_ROWS, dcr
from .tabular import TableSchema, as_float, encode_for_model, subsample
from .utility import gradient_boosting, one_thread

ATTACK_MAX_ROWS = 2_000
N_BOOT = 200
ROC_POINTS = 200


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


def roc_points(y, score, max_points: int = ROC_POINTS) -> dict:
    """The ROC curve as at most `max_points` of its own points (first and last kept), for a plot."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, score)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(max_points, len(fpr))).round().astype(int))
    return {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()}


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
        vals = [as_float(f[c]) for f in frames]
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


def _knn_log_density(train_X, query_X, k: int = 1):
    """log of the k-nearest-neighbour density estimate (Loftsgaarden & Quesenberry 1965) up to a
    constant: -d log r_k(x) - log n.

    Why not a Gaussian mixture (the first version): a mixture smooths over single records, so a
    synthetic table made of copies of training rows moved its AUC only to 0.52-0.61; the 1-NN
    estimate sees the point mass a copied record puts on its original (AUC 0.82 on a table of
    63 % copies, where 0.5 + 0.5 x 0.63 = 0.82 is the most any attack can reach).
    """
    from sklearn.neighbors import NearestNeighbors

    d = train_X.shape[1]
    nn = NearestNeighbors(n_neighbors=min(k, len(train_X))).fit(train_X)
    r = nn.kneighbors(query_X)[0][:, -1]
    floor = 1e-9  # an exact copy: distance 0, the density's point mass
    return -d * np.log(r + floor) - np.log(len(train_X))


@renamed_kwargs(scheduler="client")
def membership_inference_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame,
                                 schema: TableSchema, *, random_state=0, max_rows: int = ATTACK_MAX_ROWS,
                                 client=None) -> list[MetricResult]:
    """AUC and TPR at 1 % FPR of both attacks (ROC curves in the AUC rows' details), and the worst AUC."""
    rng = as_rng(random_state)
    n_non = min(len(holdout) // 2, max_rows)
    n_mem = min(len(real), n_non)
    if n_non < 20:
        return [MetricResult.skipped("membership_inference_auc_worst", "privacy",
                                     f"the holdout has {len(holdout)} rows; the attacks need at least 40")]
    perm = rng.permutation(len(holdout))
    non_members = holdout.iloc[np.sort(perm[:n_non])]
    ref_pop = holdout.iloc[np.sort(perm[n_non:])]              # DOMIAS' reference population
    members = real.iloc[np.sort(rng.choice(len(real), n_mem, replace=False))]
    cand = pd.concat([members, non_members], ignore_index=True)
    y = np.r_[np.ones(n_mem), np.zeros(n_non)]
    syn_s = subsample(synthetic, DCR_MAX_ROWS, rng)
    notes_n = f"{n_mem:,} members (training rows) vs {n_non:,} non-members (holdout rows)"

    s_dist = -dcr(cand, syn_s, schema, client=client)
    syn_d = subsample(synthetic, 20_000, rng)
    Xs, Xr, Xc = _density_features([syn_d, ref_pop, cand], schema, fit_on=0)
    s_dom = _knn_log_density(Xs, Xc) - _knn_log_density(Xr, Xc)
    out, aucs = [], {}
    for name, score in (("distance", s_dist), ("domias", s_dom)):
        auc, tpr = _auc_and_tpr(score[y == 1], score[y == 0])
        auc_ci, tpr_ci = _bootstrap_attack(y, score, rng)
        aucs[name] = (auc, auc_ci)
        out.append(metric(f"mia_{name}_auc", "privacy", auc, direction="target", target=0.5, bounds=(0.0, 1.0),
                          ci=auc_ci, score=None,
                          notes=f"ROC AUC of the {name} membership attack, {notes_n}; bootstrap CI",
                          details={"roc": roc_points(y, score), "n_members": n_mem, "n_non_members": n_non}))
        out.append(metric(f"mia_{name}_tpr_at_1pct_fpr", "privacy", tpr, direction="lower", bounds=(0.0, 1.0),
                          ci=wilson_interval(int(round(tpr * n_mem)), n_mem), score=None,
                          notes="true-positive rate at 1 % false-positive rate (0.01 = chance); Wilson CI over the "
                                f"{n_mem:,} members at the chosen threshold (bootstrap CI, threshold re-chosen, "
                                "in details)",
                          details={"bootstrap_ci": list(tpr_ci)}))
    worst = max(aucs, key=lambda k: aucs[k][0])
    auc, auc_ci = aucs[worst]
    out.append(metric("membership_inference_auc_worst", "privacy", auc, direction="target", target=0.5,
                      bounds=(0.0, 1.0), score=chance_score(auc), ci=auc_ci,
                      notes=f"worst case over the attacks (here: {worst}); 0.5 = no better than guessing; "
                            "score = 1 - 2 x max(AUC - 0.5, 0)"))
    return out


def attribute_inference_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None,
                                schema: TableSchema, sensitive, *, random_state=0,
                                max_rows: int = ATTACK_MAX_ROWS) -> list[MetricResult]:
    """Per sensitive column, the attacker's advantage over the baseline at guessing it for training records."""
    rng = as_rng(random_state)
    return [_attribute_inference(real, synthetic, holdout, schema, column, rng, max_rows) for column in sensitive]


def _attribute_inference(real, synthetic, holdout, schema, column, rng, max_rows) -> MetricResult:
    name = f"attribute_inference_advantage:{column}"
    if column not in schema.kinds:
        return MetricResult.failed(name, "privacy", f"sensitive column {column!r} is not in the table")
    feats = TableSchema({c: k for c, k in schema.kinds.items() if c != column})
    victims = subsample(real[real[column].notna()], max_rows, rng)
    n_train = min(len(synthetic), len(holdout) if holdout is not None else len(synthetic), 20_000)
    syn_t = subsample(synthetic[synthetic[column].notna()], n_train, rng)
    classify = schema.kinds[column] in ("categorical", "boolean")
    seed = int(rng.integers(2**31 - 1))

    def fit_predict(train_df):
        Xt, Xv = encode_for_model([train_df, victims], feats)
        yt = train_df[column].astype(str).to_numpy() if classify else train_df[column].astype(float).to_numpy()
        if classify and len(np.unique(yt)) < 2:
            return np.full(len(victims), yt[0] if len(yt) else None)
        model = gradient_boosting("classification" if classify else "regression", feats.categorical_mask(), seed,
                                  max_iter=100)
        with one_thread():
            model.fit(Xt, yt)
            return model.predict(Xv)

    truth = victims[column].astype(str).to_numpy() if classify else victims[column].astype(float).to_numpy()
    values = real[column].astype(float) if not classify else None
    tol = 0.05 * (np.nanmax(values) - np.nanmin(values)) if not classify else 0.0

    def hits(pred):
        return (pred == truth).astype(float) if classify else (np.abs(pred - truth) <= tol).astype(float)
    h_att = hits(fit_predict(syn_t))
    if holdout is not None and holdout[column].notna().sum() >= 20:
        base_df = subsample(holdout[holdout[column].notna()], n_train, rng)
        h_base = hits(fit_predict(base_df))
        base_desc = f"same model trained on {len(base_df):,} real holdout rows"
    else:
        if classify:
            h_base = (truth == real[column].astype(str).mode().iloc[0]).astype(float)
        else:
            h_base = (np.abs(np.nanmedian(values) - truth) <= tol).astype(float)
        base_desc = "majority class / median guess (no holdout given)"
    adv = float(h_att.mean() - h_base.mean())
    boots = []
    for _ in range(N_BOOT):
        idx = rng.integers(0, len(truth), len(truth))
        boots.append(h_att[idx].mean() - h_base[idx].mean())
    return metric(name, "privacy", adv, direction="lower", bounds=(-1.0, 1.0),
                  ci=tuple(np.quantile(boots, [0.025, 0.975])), score=None,
                  notes=(f"attacker ({'accuracy' if classify else f'within ±{tol:.3g}'}) trained on {len(syn_t):,} "
                         f"synthetic rows minus baseline ({base_desc}), both predicting {column!r} for "
                         f"{len(victims):,} training records; attacker {h_att.mean():.3f}, baseline "
                         f"{h_base.mean():.3f}. Reported, not scored: a raw accuracy gain reads small where little is "
                         f"left to guess; the scored measure is anonymeter's normalised inference_risk:{column}"),
                  details={"attacker": float(h_att.mean()), "baseline": float(h_base.mean())})
