"""Rare-class augmentation: does a classifier trained with synthetic rare-class images do better?

Steps: train the generative model (or take the given one) -> sample k x n_rare images of the rare
class -> filter (near-copies of training images by SSIM; samples the real-data classifier does not
place in the rare class) -> train the SAME classifier on real-only and on real+synthetic, for each
seed -> per-class recall, balanced accuracy and one-vs-rest AUC of the rare class on real held-out images.

Confidence intervals pool the seeds: each bootstrap replicate resamples the held-out images
(stratified by class) once and averages the metric over the seeds' predictions on that same
resample; the 2.5/97.5 percentiles of those replicate means form the 95% interval. The point value
is the mean over seeds on the full held-out set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._util.deprecation import renamed_kwargs
from .._util.results import ResultMixin
from ..errors import DataError
from .classifier import SmallCNN
from .io import labelled_arrays
from .metrics import nearest_ssim

ARMS = ("real_only", "real_plus_synthetic")


def _recalls(y, pred, k):
    return np.array([np.mean(pred[y == c] == c) if np.any(y == c) else np.nan for c in range(k)])


def _auc(y_bin, score):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y_bin, score)) if 0 < y_bin.sum() < len(y_bin) else float("nan")


def _with_ci(value, replicates) -> dict:
    return {"value": float(value), "ci_low": float(np.nanpercentile(replicates, 2.5)),
            "ci_high": float(np.nanpercentile(replicates, 97.5))}


def _arm_summary(y, probs_by_seed, names, rare, n_boot, rng) -> dict:
    """Point values (mean over seeds) and pooled bootstrap CIs of one arm."""
    k = len(names)

    def stats(idx):
        rec = np.mean([_recalls(y[idx], p[idx].argmax(1), k) for p in probs_by_seed], axis=0)
        auc = np.mean([_auc((y[idx] == rare).astype(int), p[idx, rare]) for p in probs_by_seed])
        return rec, np.nanmean(rec), auc

    rec, ba, auc = stats(np.arange(len(y)))
    strata = [np.flatnonzero(y == c) for c in range(k)]
    boots = [stats(np.concatenate([rng.choice(s, len(s)) for s in strata if len(s)])) for _ in range(n_boot)]
    rec_b = np.array([b[0] for b in boots])
    return {"per_class_recall": {c: _with_ci(rec[i], rec_b[:, i]) for i, c in enumerate(names)},
            "balanced_accuracy": _with_ci(ba, np.array([b[1] for b in boots])),
            "rare_auc": _with_ci(auc, np.array([b[2] for b in boots]))}


@dataclass
class AugmentationResult(ResultMixin):
    """The two arms' held-out metrics (value and 95% CI), the filter counts, the settings and the kept
    synthetic images. `summary()` is one row per arm and metric; `write(dir)` writes augmentation.json."""

    class_names: list
    rare: str
    real_only: dict
    real_plus_synthetic: dict
    filter_counts: dict
    settings: dict
    synthetic: np.ndarray = field(repr=False, default=None)

    def to_dict(self) -> dict:
        return {"rare_class": self.rare, "class_names": self.class_names, "real_only": self.real_only,
                "real_plus_synthetic": self.real_plus_synthetic, "filter_counts": self.filter_counts,
                "settings": self.settings}

    def summary(self):
        """A DataFrame: arm, metric (recall per class, balanced_accuracy, rare_auc), class, value, ci_low, ci_high."""
        import pandas as pd

        rows = []
        for arm in ARMS:
            d = getattr(self, arm)
            for c in self.class_names:
                rows.append({"arm": arm, "metric": "recall", "class": c, **d["per_class_recall"][c]})
            rows.append({"arm": arm, "metric": "balanced_accuracy", "class": None, **d["balanced_accuracy"]})
            rows.append({"arm": arm, "metric": "rare_auc", "class": self.rare, **d["rare_auc"]})
        return pd.DataFrame(rows, columns=["arm", "metric", "class", "value", "ci_low", "ci_high"])

    def write(self, out_dir) -> dict[str, Path]:
        """Write `out_dir/augmentation.json` (the `to_dict()` data); returns {"json": path}."""
        path = Path(out_dir) / "augmentation.json"
        self.to_json(path)
        return {"json": path}


@renamed_kwargs(generator="model", generator_steps="model_train_steps")
def augment_rare_class(train, test, rare: str = "lesion", k: float = 2.0, model=None,
                       model_train_steps: int = 300, seeds=(0, 1, 2), filter_near_copies: bool = True,
                       copy_threshold: float = 0.95, filter_classifier: bool = True,
                       classifier_kwargs: dict | None = None, n_bootstrap: int = 500,
                       guidance_scale: float = 3.0, num_inference_steps: int = 25, device: str = "cpu",
                       random_state=0) -> AugmentationResult:
    """Run the workflow; `train`/`test` are ImageFolder-like objects or (images, labels, class_names).

    `model`: None (a ConditionalDiffusion is trained for `model_train_steps` on `device`), a fitted
    object with `.sample(n, class_index, guidance_scale=..., num_inference_steps=..., random_state=...)`,
    or a callable `(n, class_index, seed) -> images`.
    `classifier_kwargs` go to the downstream `SmallCNN` of BOTH arms (default: 15 epochs,
    class-weighted loss; pass `{"balanced": False}` for plain cross-entropy).
    """
    xtr, ytr, names = labelled_arrays(train)
    xte, yte, names_te = labelled_arrays(test)
    if names_te != names:
        raise DataError(f"train classes {names} and test classes {names_te} differ.")
    if rare not in names:
        raise DataError(f"rare class {rare!r} is not one of the classes {names}.")
    r, K = names.index(rare), len(names)
    n_rare = int((ytr == r).sum())
    if n_rare == 0:
        raise DataError(f"the training data hold no image of the rare class {rare!r}.")
    n_gen = max(1, int(round(k * n_rare)))
    # class-weighted loss by default: the real-only arm is then the baseline a practitioner would
    # actually use on imbalanced data, not a strawman that never predicts the rare class
    ckw = {"epochs": 15, "balanced": True, **(classifier_kwargs or {})}

    if model is None:
        from .diffusion import ConditionalDiffusion

        model = ConditionalDiffusion(image_size=xtr.shape[-1], num_classes=K, class_names=names,
                                     train_steps=model_train_steps, device=device,
                                     random_state=random_state).fit(xtr, ytr)
    if callable(model) and not hasattr(model, "sample"):
        synth = np.asarray(model(n_gen, r, random_state), np.float32)
    else:
        synth = np.asarray(model.sample(n_gen, r, guidance_scale=guidance_scale,
                                        num_inference_steps=num_inference_steps,
                                        random_state=random_state), np.float32)
    counts = {"generated": int(len(synth))}
    if filter_near_copies and len(synth):
        best, _ = nearest_ssim(synth, xtr)
        synth = synth[best < copy_threshold]
    counts["after_near_copy_filter"] = int(len(synth))
    if filter_classifier and len(synth):
        # the judge always weights classes by inverse frequency: trained plainly on a handful of
        # rare images it almost never predicts the rare class and would reject every sample
        judge = SmallCNN(K, random_state=random_state, **{**ckw, "balanced": True}).fit(xtr, ytr)
        synth = synth[judge.predict_proba(synth).argmax(1) == r]
    counts["after_classifier_filter"] = int(len(synth))

    xaug = np.concatenate([xtr, synth]) if len(synth) else xtr
    yaug = np.concatenate([ytr, np.full(len(synth), r)]) if len(synth) else ytr
    out = {}
    for arm, (x, y) in zip(ARMS, ((xtr, ytr), (xaug, yaug))):
        probs = [SmallCNN(K, random_state=int(s), **ckw).fit(x, y).predict_proba(xte) for s in seeds]
        rng = np.random.default_rng(random_state)  # same bootstrap resamples for both arms
        out[arm] = {**_arm_summary(yte, probs, names, r, n_bootstrap, rng), "n_train": int(len(y))}
    settings = {"k": k, "seeds": list(map(int, seeds)), "copy_threshold_ssim": copy_threshold,
                "n_bootstrap": n_bootstrap, "classifier": {"class": "SmallCNN", **ckw},
                "ci": "95% percentile bootstrap, held-out set resampled within class, seeds averaged per replicate",
                "n_test": int(len(yte)), "guidance_scale": guidance_scale,
                "num_inference_steps": num_inference_steps}
    return AugmentationResult(names, rare, out["real_only"], out["real_plus_synthetic"], counts, settings, synth)
