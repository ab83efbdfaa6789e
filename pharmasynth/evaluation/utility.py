"""Utility: train on synthetic, test on real (TSTR) against train on real, test on real (TRTR).

The same model (gradient boosting) is fitted once on the real training table and once on the
synthetic table, and both are scored on the real HOLDOUT that the generator never saw. The
utility loss is (TRTR - TSTR) / TRTR in percent; users call a loss under 5-10 % "good".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._util.random import as_rng
from ..errors import DataError, SchemaError, check_option
from .metric import MetricResult, metric
from .tabular import TableSchema, encode_for_model, subsample

GOOD_LOSS_PERCENT = 10.0


def detect_task(y: pd.Series, kind: str) -> str:
    if kind in ("categorical", "boolean"):
        return "classification"
    return "regression"


def gradient_boosting(task: str, cat_mask: np.ndarray, seed: int, max_iter: int):
    """The model every table metric fits: scikit-learn's histogram gradient boosting, with the
    discrete columns (`cat_mask`) declared categorical."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    model = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    return model(max_iter=max_iter, categorical_features=cat_mask if cat_mask.any() else None, random_state=seed)


def one_thread():
    """Fit and predict on one OpenMP thread: faster on small tables and immune to oversubscription
    beside torch/Dask threads."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _fit_predict(task, Xtr, ytr, Xte, cat_mask, seed):
    model = gradient_boosting(task, cat_mask, seed, max_iter=200)
    with one_thread():
        model.fit(Xtr, ytr)
        if task == "classification":
            return model.predict_proba(Xte), model.classes_
        return model.predict(Xte), None


def _scores(task, y_true, pred, classes, all_classes):
    from sklearn.metrics import balanced_accuracy_score, mean_absolute_error, r2_score, roc_auc_score

    if task == "regression":
        return {"r2": r2_score(y_true, pred), "mae": mean_absolute_error(y_true, pred)}
    # align predicted probabilities to every class seen in the real data
    proba = np.zeros((len(y_true), len(all_classes)))
    for j, c in enumerate(classes):
        proba[:, list(all_classes).index(c)] = pred[:, j]
    labels = np.asarray(all_classes)[proba.argmax(axis=1)]
    out = {"balanced_accuracy": balanced_accuracy_score(y_true, labels)}
    present = [c for c in all_classes if (y_true == c).any()]
    if len(present) < 2:
        out["auc"] = np.nan
    elif len(all_classes) == 2:
        out["auc"] = roc_auc_score(y_true == all_classes[1], proba[:, 1])
    elif len(present) == 2:
        # a bootstrap resample (or a small holdout) holding 2 of 3+ classes: the one-vs-rest macro AUC
        # over those two is their binary AUC (sklearn's multi-class path would reject 2 score columns)
        i0, i1 = (list(all_classes).index(c) for c in present)
        p = proba[:, i1] / np.clip(proba[:, i0] + proba[:, i1], 1e-12, None)
        out["auc"] = roc_auc_score(y_true == present[1], p)
    else:
        keep = [list(all_classes).index(c) for c in present]
        p = proba[:, keep]
        p = p / np.clip(p.sum(axis=1, keepdims=True), 1e-12, None)
        out["auc"] = roc_auc_score(y_true, p, multi_class="ovr", average="macro", labels=present)
    return out


def utility_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, schema: TableSchema,
                    target: str | None, *, task: str = "auto", random_state=0, n_boot: int = 300,
                    max_train_rows: int = 100_000) -> list[MetricResult]:
    """TSTR vs TRTR metric rows (skipped without a target or a holdout)."""
    if target is None:
        return [MetricResult.skipped("utility_loss", "utility", "no target column given (--target)")]
    if target not in schema.kinds:
        raise SchemaError(f"target column {target!r} is not in the tables (columns: {schema.columns}).")
    if holdout is None:
        return [MetricResult.skipped("utility_loss", "utility",
                                     "no real holdout given: TSTR needs real records the generator never saw")]
    check_option("task", task, ("auto", "classification", "regression"))
    task = detect_task(real[target], schema.kinds[target]) if task == "auto" else task
    rng = as_rng(random_state)
    if real[target].dropna().nunique() < 2:
        raise DataError(f"target column {target!r} is constant in the real table ({real[target].dropna().iloc[0]!r}); "
                        "there is nothing to predict. Choose another --target.")
    features = [c for c in schema.columns if c != target]
    if not features:
        raise DataError("utility needs at least one column besides the target.")
    fschema = TableSchema({c: schema.kinds[c] for c in features})
    real_, syn_, hold_ = (subsample(df[df[target].notna()], max_train_rows, rng) for df in (real, synthetic, holdout))
    if len(syn_) == 0:
        raise DataError(f"the synthetic table has no row with a value in the target column {target!r}.")
    Xr, Xs, Xh = encode_for_model([real_, syn_, hold_], fschema)
    cat_mask = fschema.categorical_mask()
    if task == "classification":
        yr, ys, yh = (d[target].astype(str).to_numpy() for d in (real_, syn_, hold_))
        all_classes = sorted(pd.unique(np.r_[yr, ys]))
    else:
        yr, ys, yh = (d[target].astype(float).to_numpy() for d in (real_, syn_, hold_))
        all_classes = None
    seed = int(rng.integers(2**31 - 1))
    pred_r, cls_r = _fit_predict(task, Xr, yr, Xh, cat_mask, seed)
    if task == "classification" and len(pd.unique(ys)) < 2:
        raise DataError(f"target {target!r} is constant in the synthetic table; a model trained on it cannot classify.")
    pred_s, cls_s = _fit_predict(task, Xs, ys, Xh, cat_mask, seed)
    trtr = _scores(task, yh, pred_r, cls_r, all_classes)
    tstr = _scores(task, yh, pred_s, cls_s, all_classes)

    # bootstrap over holdout rows: the same resample scores both models, so the loss CI is paired
    boots = {k: [] for k in trtr}
    n = len(yh)
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        a = _scores(task, yh[idx], pred_r[idx], cls_r, all_classes)
        b = _scores(task, yh[idx], pred_s[idx], cls_s, all_classes)
        for k in trtr:
            boots[k].append((a[k], b[k]))
    headline = "auc" if task == "classification" else "r2"
    out = []
    for k in trtr:
        pairs = np.array(boots[k], dtype=float)
        higher = k != "mae"
        bounds = (0.0, 1.0) if k in ("auc", "balanced_accuracy") else ((-np.inf, 1.0) if k == "r2" else (0.0, np.inf))
        ci_s = tuple(np.nanquantile(pairs[:, 1], [0.025, 0.975]))
        out.append(metric(f"tstr_{k}", "utility", tstr[k], direction="higher" if higher else "lower", bounds=bounds,
                          ci=ci_s, score=None,
                          notes=f"{k} on the real holdout of a model trained on synthetic data (TRTR: {trtr[k]:.4g})",
                          details={"trtr": trtr[k], "tstr": tstr[k]}))
    pairs = np.array(boots[headline], dtype=float)
    if headline == "r2":
        # R² can be negative; measure the loss against the explained variance itself
        loss = 100.0 * (trtr["r2"] - tstr["r2"]) / max(abs(trtr["r2"]), 1e-12)
        bl = 100.0 * (pairs[:, 0] - pairs[:, 1]) / np.maximum(np.abs(pairs[:, 0]), 1e-12)
    else:
        # AUC: loss of the skill above chance (0.5), so that a useless model is a 100 % loss
        loss = 100.0 * (trtr["auc"] - tstr["auc"]) / max(trtr["auc"] - 0.5, 1e-12)
        bl = 100.0 * (pairs[:, 0] - pairs[:, 1]) / np.maximum(pairs[:, 0] - 0.5, 1e-12)
    ci = tuple(np.nanquantile(bl, [0.025, 0.975]))
    verdict = "good" if loss <= GOOD_LOSS_PERCENT else "poor"
    out.append(metric("utility_loss_percent", "utility", loss, direction="lower", bounds=(-np.inf, np.inf), ci=ci,
                      score=float(np.clip(1.0 - max(loss, 0.0) / 100.0, 0.0, 1.0)),
                      notes=(f"{task}; loss of {'AUC above chance' if headline == 'auc' else 'R²'} of train-synthetic "
                             f"vs train-real, both tested on {n:,} real holdout rows; under 5-10 % is good ({verdict}); "
                             "CI = paired bootstrap over holdout rows; score = 1 - loss/100"),
                      details={"task": task, "target": target, "trtr": trtr, "tstr": tstr}))
    return out
