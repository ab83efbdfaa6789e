"""Rare-class augmentation: does a classifier trained with synthetic rare-class images do better?

Steps: train the generative model (or take the given one) -> sample k x n_rare images of the rare
class -> filter (near-copies of training images by SSIM; samples the real-data classifier does not
place in the rare class) -> train the SAME classifier, once per seed, on
    real_only             the real training images
    real_plus_synthetic   + the kept synthetic images (not run, and a loud warning, if none is kept)
    real_plus_oracle      + k x n_rare extra real-like rare images from a simulator (the oracle)
    real_plus_classic     + k x n_rare classic augmentations of the real rare images (the
                          comparator for data without a simulator)
-> per-class recall, balanced accuracy and rare-class AUC on real held-out images, with CIs that
resample seeds and held-out images (`augment_stats.py`), per-seed values, and the fraction of the
comparator's gain that the synthetic images recover.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._util.atomic import atomic_path
from .._util.deprecation import renamed_kwargs
from .._util.results import ResultMixin
from ..errors import DataError, DataWarning, UsageError
from .augment_stats import arm_summary, bootstrap_draws, fraction_of_gain, with_ci
from .classifier import SmallCNN
from .io import labelled_arrays
from .metrics import nearest_ssim
from .oracle import classic_comparator
from .samplers import DEFAULT_ETA, DEFAULT_SAMPLE_STEPS, DEFAULT_SAMPLER

ARMS = ("real_only", "real_plus_synthetic", "real_plus_oracle", "real_plus_classic")
COMPARATORS = ("auto", "oracle", "classic", "both", None)
MIN_SEEDS = 5


class NothingKeptWarning(DataWarning):
    """The filters kept no synthetic image: there is no real+synthetic arm to report."""


class FewSeedsWarning(DataWarning):
    """Fewer than 5 classifier seeds: the seed-to-seed part of the CI rests on very few draws."""


@dataclass
class AugmentationResult(ResultMixin):
    """The arms' held-out metrics (value, 95% CI, per-seed values), the filter counts, the fraction
    of the comparator's gain, the verdict, the settings, the kept synthetic images and the model.
    An arm not run is None. `summary()` is one row per arm and metric; `write(dir)` writes the JSON,
    the kept images and (a ConditionalDiffusion) the generator."""

    class_names: list
    rare: str
    real_only: dict
    real_plus_synthetic: dict | None
    filter_counts: dict
    settings: dict
    synthetic: np.ndarray = field(repr=False, default=None)
    real_plus_oracle: dict | None = None
    real_plus_classic: dict | None = None
    fraction_of_oracle_gain: dict | None = None
    fraction_of_classic_gain: dict | None = None
    rare_recall_gain: dict | None = None
    verdict: str = ""
    model: object = field(repr=False, default=None)

    def to_dict(self) -> dict:
        return {"rare_class": self.rare, "class_names": self.class_names, "verdict": self.verdict,
                **{arm: getattr(self, arm) for arm in ARMS},
                "fraction_of_oracle_gain": self.fraction_of_oracle_gain,
                "fraction_of_classic_gain": self.fraction_of_classic_gain,
                "rare_recall_gain": self.rare_recall_gain, "filter_counts": self.filter_counts,
                "settings": self.settings}

    def summary(self):
        """A DataFrame: arm, metric (recall per class, balanced_accuracy, rare_auc), class, value, ci_low, ci_high."""
        import pandas as pd

        rows = []
        for arm in ARMS:
            d = getattr(self, arm)
            if d is None:
                continue
            for c in self.class_names:
                rows.append({"arm": arm, "metric": "recall", "class": c, **d["per_class_recall"][c]})
            rows.append({"arm": arm, "metric": "balanced_accuracy", "class": None, **d["balanced_accuracy"]})
            rows.append({"arm": arm, "metric": "rare_auc", "class": self.rare, **d["rare_auc"]})
        return pd.DataFrame(rows, columns=["arm", "metric", "class", "value", "ci_low", "ci_high"])

    def write(self, out_dir) -> dict[str, Path]:
        """`out_dir/augmentation.json`, `synthetic_kept.npz` (the kept images, float32, no pickle) and,
        for a ConditionalDiffusion, `generator/` (its config.json + model.safetensors)."""
        out_dir = Path(out_dir)
        path = out_dir / "augmentation.json"
        self.to_json(path)
        paths = {"json": path}
        if self.synthetic is not None:
            kept = out_dir / "synthetic_kept.npz"
            with atomic_path(kept) as tmp:
                with open(tmp, "wb") as fh:
                    np.savez_compressed(fh, images=np.asarray(self.synthetic, np.float32),
                                        labels=np.full(len(self.synthetic), self.class_names.index(self.rare)))
            paths["synthetic"] = kept
        if hasattr(self.model, "save") and hasattr(self.model, "model_hash_"):
            paths["generator"] = self.model.save(out_dir / "generator")
        return paths


def _verdict(gain: dict, rare: str) -> str:
    lo, hi, v = gain["ci_low"], gain["ci_high"], gain["value"]
    if not np.isfinite(v):
        return "no real+synthetic arm: the filters kept no synthetic image."
    if lo <= 0 <= hi:
        return f"no measurable gain: {rare} recall changes by {v:+.3f} [{lo:+.3f}, {hi:+.3f}], an interval covering 0."
    word = "gain" if lo > 0 else "loss"
    return f"measurable {word}: {rare} recall changes by {v:+.3f} [{lo:+.3f}, {hi:+.3f}]."


def _pick_rare(rare, ytr, names) -> str:
    if rare is not None:
        if rare not in names:
            raise DataError(f"rare class {rare!r} is not one of the classes {names}.")
        return rare
    counts = np.bincount(ytr, minlength=len(names))
    smallest = np.flatnonzero(counts == counts.min())
    if len(smallest) > 1:
        raise UsageError(f"rare=None and several classes are smallest ({', '.join(names[i] for i in smallest)}, "
                         f"{counts.min()} images each): name the rare class.")
    return names[int(smallest[0])]


@renamed_kwargs(generator="model", generator_steps="model_train_steps")
def augment_rare_class(train, test, rare: str | None = None, k: float = 2.0, model=None,
                       model_train_steps: int = 300, seeds=(0, 1, 2, 3, 4), filter_near_copies: bool = True,
                       copy_threshold: float = 0.95, filter_classifier: bool = True,
                       classifier_kwargs: dict | None = None, n_bootstrap: int = 500,
                       guidance_scale: float = 3.0, sampler: str = DEFAULT_SAMPLER, eta: float = DEFAULT_ETA,
                       num_inference_steps: int = DEFAULT_SAMPLE_STEPS, oracle=None, comparator="auto",
                       device: str = "cpu", random_state=0) -> AugmentationResult:
    """Run the workflow; `train`/`test` are ImageFolder-like objects or (images, labels, class_names).

    `rare`: the class to augment (None: the smallest training class). `model`: None (a
    ConditionalDiffusion with the tuned defaults is trained for `model_train_steps` on `device`), a
    fitted object with `.sample(n, class_index, guidance_scale=, sampler=, eta=, num_inference_steps=,
    random_state=)`, or a callable `(n, class_index, seed) -> images`.
    `oracle`: a callable `(n, random_state) -> rare-class images` drawing fresh real-like images (e.g.
    `oracle.shipped_oracle(32)`); `comparator`: "auto" (the oracle arm when an oracle is given, else
    the classic-augmentation arm), "oracle", "classic", "both" or None.
    `classifier_kwargs` go to the downstream `SmallCNN` of EVERY arm (default: 15 epochs,
    class-weighted loss; pass `{"balanced": False}` for plain cross-entropy).
    """
    xtr, ytr, names = labelled_arrays(train)
    xte, yte, names_te = labelled_arrays(test)
    if names_te != names:
        raise DataError(f"train classes {names} and test classes {names_te} differ.")
    if comparator not in COMPARATORS:
        raise UsageError(f"comparator={comparator!r} is not one of {COMPARATORS}.")
    if comparator in ("oracle", "both") and oracle is None:
        raise UsageError(f"comparator={comparator!r} needs an oracle: a callable (n, random_state) -> images.")
    rare = _pick_rare(rare, ytr, names)
    r, K = names.index(rare), len(names)
    n_rare = int((ytr == r).sum())
    if n_rare == 0:
        raise DataError(f"the training data hold no image of the rare class {rare!r}.")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise UsageError("seeds is empty: give at least one classifier seed (5 or more for honest CIs).")
    if len(seeds) < MIN_SEEDS:
        warnings.warn(f"{len(seeds)} classifier seed(s): the CIs' seed-to-seed part rests on {len(seeds)} "
                      f"draw(s); use {MIN_SEEDS} or more seeds for intervals you can trust.", FewSeedsWarning,
                      stacklevel=3)
    n_gen = max(1, int(round(k * n_rare)))
    # class-weighted loss by default: the real-only arm is then the baseline a practitioner would
    # actually use on imbalanced data, not a strawman that never predicts the rare class
    ckw = {"epochs": 15, "balanced": True, **(classifier_kwargs or {})}

    if model is None:
        from .diffusion import ConditionalDiffusion

        model = ConditionalDiffusion(image_size=xtr.shape[-1], num_classes=K, class_names=names,
                                     spatial_dims=xtr.ndim - 2, train_steps=model_train_steps, device=device,
                                     random_state=random_state).fit(xtr, ytr)
    if callable(model) and not hasattr(model, "sample"):
        synth = np.asarray(model(n_gen, r, random_state), np.float32)
    else:
        synth = np.asarray(model.sample(n_gen, r, guidance_scale=guidance_scale, sampler=sampler, eta=eta,
                                        num_inference_steps=num_inference_steps, random_state=random_state),
                           np.float32)
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
    if not len(synth):
        warnings.warn(f"the filters kept none of the {counts['generated']} synthetic {rare!r} images "
                      f"(near-copy filter kept {counts['after_near_copy_filter']}): there is NO real+synthetic "
                      "arm, only the real-only baseline and the comparator. Try sampler='ddim' with eta=1 or "
                      "sampler='ddpm', train the generator longer, or set filter_classifier=False to see "
                      "what the generator makes.", NothingKeptWarning, stacklevel=3)

    extra = {}
    use_oracle = comparator in ("oracle", "both") or (comparator == "auto" and oracle is not None)
    use_classic = comparator in ("classic", "both") or (comparator == "auto" and oracle is None)
    if use_oracle:
        extra["real_plus_oracle"] = np.asarray(oracle(n_gen, random_state), np.float32)
    if use_classic:
        extra["real_plus_classic"] = classic_comparator(xtr[ytr == r])(n_gen, random_state)
    training = {"real_only": (xtr, ytr)}
    if len(synth):
        training["real_plus_synthetic"] = (np.concatenate([xtr, synth]), np.concatenate([ytr, np.full(len(synth), r)]))
    for arm, x_extra in extra.items():
        training[arm] = (np.concatenate([xtr, x_extra]), np.concatenate([ytr, np.full(len(x_extra), r)]))

    draws = bootstrap_draws(yte, len(seeds), n_bootstrap, np.random.default_rng(random_state))
    out, mats = {}, {}
    for arm, (x, y) in training.items():
        probs = [SmallCNN(K, random_state=s, **ckw).fit(x, y).predict_proba(xte) for s in seeds]
        out[arm], mats[arm] = arm_summary(yte, probs, seeds, names, r, draws)
        out[arm]["n_train"] = int(len(y))
    frac = {}
    gain = {"value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")}
    if "real_plus_synthetic" in mats:
        d = mats["real_plus_synthetic"][:, r] - mats["real_only"][:, r]
        gain = with_ci(d[0], d[1:])
        for arm in extra:
            frac[arm] = fraction_of_gain(mats["real_only"], mats["real_plus_synthetic"], mats[arm], names)
    settings = {"k": k, "n_rare_train": n_rare, "n_extra_per_arm": n_gen, "seeds": seeds,
                "copy_threshold_ssim": copy_threshold, "n_bootstrap": n_bootstrap,
                "classifier": {"class": "SmallCNN", **ckw},
                "ci": "95% percentile bootstrap; each replicate resamples the classifier seeds and the held-out "
                      "images (within class), the same draws for every arm",
                "n_test": int(len(yte)), "guidance_scale": guidance_scale, "sampler": sampler,
                "eta": eta, "num_inference_steps": num_inference_steps,
                "comparator": [a.replace("real_plus_", "") for a in extra],
                "oracle": getattr(oracle, "name", "given callable") if use_oracle else None}
    return AugmentationResult(names, rare, out["real_only"], out.get("real_plus_synthetic"), counts, settings,
                              synth, real_plus_oracle=out.get("real_plus_oracle"),
                              real_plus_classic=out.get("real_plus_classic"),
                              fraction_of_oracle_gain=frac.get("real_plus_oracle"),
                              fraction_of_classic_gain=frac.get("real_plus_classic"),
                              rare_recall_gain=gain, verdict=_verdict(gain, rare),
                              model=model if hasattr(model, "save") else None)
