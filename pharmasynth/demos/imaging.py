"""The imaging demo: rare-class augmentation on the shipped real-scan set at 32x32, from shipped weights.

The generator is the shipped `pretrained/shipped32` (trained with `DEMO_GENERATOR` for
`DEMO_TRAIN_STEPS` steps; its MODEL_CARD.md says how long that took); `train=True` retrains it here.
Then: sample 4x the training lesions, filter, train the same classifier on real-only,
real+synthetic and real+oracle (fresh simulator lesions) over 5 seeds, and judge the kept lesions
with fixed models trained on real images only (FID to held-out real lesions beside the real-vs-real
floor, the real-only judge's placement, near-copies).

The judge (`judge.train_judge`, an average of `JUDGE_MODELS` seeds) is trained on the real training
images plus `JUDGE_EXTRA_LESIONS` fresh simulator lesions, each beside its own lesion-free slice
(`judge.paired_simulator_lesions`: real-like by construction, never shown to the generator). Its
placement of the synthetic lesions (kept, and all generated before the filters) is reported beside
its own sensitivity (held-out real lesions placed in "lesion") and specificity (held-out lesion-free
T1 slices, on which the lesions are drawn, NOT placed in "lesion"): a judge that calls every T1 slice
a lesion would "place" any T1-looking image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pharmasynth._util import atomic_write_text
from pharmasynth.imaging import (ConditionalDiffusion, augment_rare_class, augmentation_report, build_shipped,
                                 image_metrics)
from pharmasynth.imaging.fidelity import class_fidelity, placed_in_class
from pharmasynth.imaging.judge import judge_accuracy, paired_simulator_lesions, train_judge
from pharmasynth.imaging.oracle import shipped_oracle
from pharmasynth.imaging.pretrained import pretrained_path
from pharmasynth.imaging.shipped import draw_lesions

#: how the shipped weights were trained (the defaults tuned for 32x32, written out)
DEMO_GENERATOR = dict(image_size=32, channels=(32, 64, 64), attention_levels=(False, False, True), lr=1e-3,
                      lr_schedule="cosine", batch_size=32, prediction_type="epsilon", ema_decay=0.999)
DEMO_TRAIN_STEPS = 1500
#: targets of issue 16 on the shipped set
TARGET_PLACED, TARGET_FID_RATIO = 0.8, 1.5
#: the fidelity judge: fresh paired simulator lesions added to the real training images, seeds averaged
JUDGE_EXTRA_LESIONS, JUDGE_MODELS = 80, 3


class _Recorder:
    """Passes `sample` through to the generator and keeps what it made (all generated, before the filters)."""

    def __init__(self, model):
        self.model, self.generated = model, None

    def sample(self, *args, **kwargs):
        self.generated = self.model.sample(*args, **kwargs)
        return self.generated


def fidelity_judge(data, quick: bool = False, random_state: int = 0, n_models: int | None = None):
    """The demo's real-only judge (see the module docstring; `n_models` seeds averaged, default
    `JUDGE_MODELS`): (judge, its accuracy on the held-out lesions and lesion-free T1 slices)."""
    xtr, ytr, names, srcs, _ = data["train"]
    xte, yte, _, _, _ = data["test"]
    rare, t1 = names.index("lesion"), names.index("brain_t1")
    ex, ey = paired_simulator_lesions(8 if quick else JUDGE_EXTRA_LESIONS, xtr, srcs, 32, rare, t1,
                                      random_state=random_state + 5)
    judge = train_judge(np.concatenate([xtr, ex]), np.concatenate([ytr, ey]), len(names),
                        n_models=n_models or (1 if quick else JUDGE_MODELS), epochs=3 if quick else None,
                        random_state=random_state)
    return judge, judge_accuracy(judge, xte, yte, names, rare, confuser=t1)


def demo_generator(train: bool = False, quick: bool = False, random_state: int = 0, data=None):
    """The shipped demo weights, or (train=True) a generator trained here with the same settings."""
    if not train:
        return ConditionalDiffusion.load(pretrained_path("shipped32"))
    xtr, ytr, names, _, _ = (data or build_shipped(size=32, random_state=0))["train"]
    model = ConditionalDiffusion(**DEMO_GENERATOR, num_classes=len(names), class_names=names,
                                 train_steps=20 if quick else DEMO_TRAIN_STEPS, random_state=random_state)
    return model.fit(xtr, ytr)


def run_demo(out_dir, random_state: int = 0, quick: bool = False, train: bool = False) -> dict:
    """Writes out_dir/augmentation.json, report.html, report.json, synthetic_kept.npz, lesion_fidelity.csv
    (and generator/ when retrained); returns the headline figures as a flat dict of numbers."""
    out_dir = Path(out_dir)
    data = build_shipped(size=32, random_state=0)
    xtr, ytr, names, _, _ = data["train"]
    xte, yte, _, _, _ = data["test"]
    model = demo_generator(train, quick, random_state, data)
    rare = names.index("lesion")
    recorder = _Recorder(model)
    res = augment_rare_class((xtr, ytr, names), (xte, yte, names), rare="lesion", k=4, model=recorder,
                             oracle=shipped_oracle(32), seeds=range(2 if quick else 5),
                             n_bootstrap=100 if quick else 1000, num_inference_steps=10 if quick else 50,
                             classifier_kwargs={"epochs": 3 if quick else 15}, random_state=random_state)
    # the generator object, not the recorder, is what a retrained run saves; the shipped weights are not
    # copied into every demo folder
    res.model = model if train else None
    # the targets, judged by fixed models trained on REAL images only: the judge/extractor, the floor
    # (fresh simulator lesions on the training slices, as many as kept), near-copies of training images
    # (other seeds than the augmentation's filter judge: the kept images were selected by that one, so
    # it would place all of them in the class by construction)
    judge, accuracy = fidelity_judge(data, quick, random_state + 1000)
    generated = np.asarray(recorder.generated, np.float32)
    n_kept = len(res.synthetic)
    figures = {"lesions_generated": res.filter_counts["generated"], "lesions_kept": n_kept,
               "judge_sensitivity_heldout_real_lesions": accuracy["sensitivity"],
               "judge_specificity_heldout_real_t1": accuracy["specificity_vs_brain_t1"],
               "judge_specificity_heldout_real_all": accuracy["specificity"],
               "lesion_placed_in_class_all_generated": placed_in_class(judge, generated, rare)}
    res.settings["fidelity_judge"] = {
        "what": "real-only judge of the synthetic lesions (not the filter's): SmallCNN "
                f"(judge.JUDGE_SETTINGS) x {1 if quick else JUDGE_MODELS} seeds averaged, trained on the real "
                f"training images + {8 if quick else JUDGE_EXTRA_LESIONS} fresh simulator lesions each beside its "
                "own lesion-free slice",
        "sensitivity_heldout_real_lesions": accuracy["sensitivity"], "n_heldout_real_lesions": accuracy["n_positive"],
        "specificity_heldout_real_t1": accuracy["specificity_vs_brain_t1"], "n_heldout_real_t1": accuracy["n_brain_t1"],
        "specificity_heldout_real_all": accuracy["specificity"],
        "placed_in_class_all_generated": figures["lesion_placed_in_class_all_generated"]}
    extra = []
    if n_kept:
        floor_x, _, _ = draw_lesions(max(n_kept, 2), 32, "train", random_state=random_state + 1)
        fid_table = class_fidelity(judge, xte, yte, res.synthetic, np.full(n_kept, rare), names,
                                   floor_x=floor_x, floor_y=np.full(len(floor_x), rare), training_x=xtr,
                                   generated_x=generated, generated_y=np.full(len(generated), rare),
                                   confusers={rare: names.index("brain_t1")}, random_state=random_state)
        atomic_write_text(out_dir / "lesion_fidelity.csv", fid_table.to_csv(index=False))
        row = fid_table.iloc[0]
        res.settings["fidelity_judge"]["placed_in_class_kept"] = float(row["placed_in_class"])
        figures.update({"lesion_placed_in_class_synthetic": float(row["placed_in_class"]),
                        "lesion_placed_in_class_heldout_real": float(row["placed_in_class_heldout_real"]),
                        "lesion_fid_synthetic": float(row["fid"]), "lesion_fid_real_floor": float(row["fid_real_floor"]),
                        "lesion_fid_ratio": float(row["fid_ratio_to_floor"]),
                        "near_copy_rate": float(row["near_copy_rate"]),
                        "lesion_placed_in_class_noise": float(row["placed_in_class_noise"])})
        extra = image_metrics(xte[yte == rare], res.synthetic, training=xtr, feature_fn=judge.features,
                              extractor_name="the fidelity judge's penultimate layer (SmallCNN, 64 features) trained "
                                             "on the demo's real training images", random_state=random_state)
    res.write(out_dir)
    rep = augmentation_report(res, xtr, ytr, extra_metrics=extra, judge=res.settings["fidelity_judge"])
    rep.meta["generator"] = "retrained here" if train else "shipped weights pretrained/shipped32"
    if n_kept:
        rep.meta["targets"] = {"placed_in_class >= ": TARGET_PLACED, "fid_ratio_to_floor <= ": TARGET_FID_RATIO,
                               **{k: v for k, v in figures.items() if k.startswith(("lesion_", "near"))}}
    rep.write(out_dir, "report")
    for arm in ("real_only", "real_plus_synthetic", "real_plus_oracle"):
        d = getattr(res, arm)
        if d is not None:
            figures[f"lesion_recall_{arm}"] = d["per_class_recall"]["lesion"]["value"]
            figures[f"balanced_accuracy_{arm}"] = d["balanced_accuracy"]["value"]
    frac = (res.fraction_of_oracle_gain or {}).get("lesion")
    if frac is not None:
        figures["fraction_of_oracle_gain_interpretable"] = float(frac["interpretable"])
        figures.update({"fraction_of_oracle_gain": frac["value"], "fraction_of_oracle_gain_ci_low": frac["ci_low"],
                        "fraction_of_oracle_gain_ci_high": frac["ci_high"]})
    return figures
