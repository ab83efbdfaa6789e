"""The imaging demo: a short rare-class augmentation on the shipped real-scan set at 32x32."""

from __future__ import annotations

from pathlib import Path

from pharmasynth.imaging import (ConditionalDiffusion, SmallCNN, augment_rare_class, augmentation_report,
                                 build_shipped, image_metrics)


def run_demo(out_dir, random_state: int = 0, quick: bool = False) -> dict:
    """Writes out_dir/augmentation.json, report.html, report.json; returns the rare-class recalls."""
    out_dir = Path(out_dir)
    data = build_shipped(size=32, random_state=random_state)
    xtr, ytr, names, _, _ = data["train"]
    xte, yte, _, _, _ = data["test"]
    # lr 1e-3: a short CPU run (400 steps) needs a faster rate than the long-run default 2e-4
    model = ConditionalDiffusion(image_size=32, num_classes=len(names), class_names=names,
                                 channels=(16, 32, 32), batch_size=32, lr=1e-3,
                                 train_steps=20 if quick else 400, random_state=random_state)
    model.fit(xtr, ytr)
    res = augment_rare_class((xtr, ytr, names), (xte, yte, names), rare="lesion", k=4, model=model,
                             seeds=(0,) if quick else (0, 1, 2), n_bootstrap=100 if quick else 500,
                             num_inference_steps=10 if quick else 25,
                             classifier_kwargs={"epochs": 3 if quick else 15}, random_state=random_state)
    res.write(out_dir)
    extra = []
    if len(res.synthetic):
        # image metrics of the kept synthetic lesions: FID against the real held-out lesions on the
        # features of a classifier trained here (offline, nothing downloaded), MS-SSIM diversity,
        # and near-copies of ANY training image (memorisation, privacy group)
        extractor = SmallCNN(len(names), epochs=15, balanced=True, random_state=random_state).fit(xtr, ytr)
        rare = names.index("lesion")
        extra = image_metrics(xte[yte == rare], res.synthetic, training=xtr, feature_fn=extractor.features,
                              extractor_name="SmallCNN penultimate layer (32 features) trained on the demo's "
                                             "real training images", random_state=random_state)
    augmentation_report(res, xtr, ytr, extra_metrics=extra).write(out_dir, "report")
    return {"lesion_recall_real_only": res.real_only["per_class_recall"]["lesion"],
            "lesion_recall_real_plus_synthetic": res.real_plus_synthetic["per_class_recall"]["lesion"],
            "filter_counts": res.filter_counts}
