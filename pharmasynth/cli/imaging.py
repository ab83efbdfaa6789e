"""`pharmasynth imaging train | sample | augment | evaluate`."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def _train(args):
    from ..imaging.diffusion import ConditionalDiffusion
    from ..imaging.io import ImageFolder

    data = ImageFolder(args.data, size=args.size)
    model = ConditionalDiffusion(image_size=args.size, num_classes=data.num_classes, class_names=data.class_names,
                                 random_state=args.seed)
    model.fit(data.images, data.labels, steps=args.steps,
              checkpoint_dir=Path(args.out) / "checkpoints" if args.resume else None)
    model.save(args.out)
    print(f"model saved to {args.out} ({len(data)} images, classes {data.class_names}; {len(data.skipped)} skipped)")
    return 0


def _sample(args):
    from ..imaging import writers
    from ..imaging.diffusion import ConditionalDiffusion

    model = ConditionalDiffusion.load(args.model)
    imgs = model.sample(args.n, label=args.label, guidance_scale=args.guidance, num_inference_steps=args.steps,
                        random_state=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / f"{args.label}.npy", imgs)  # writers (H4b) add PNG/NIfTI with metadata
    print(f"{len(imgs)} images of {args.label!r} written to {out}; see {writers.__name__} for PNG/NIfTI")
    return 0


def _augment(args):
    from .._util import atomic_write_json
    from ..imaging.augment import augment_rare_class
    from ..imaging.io import ImageFolder
    from ..imaging.report import augmentation_report

    tr, te = ImageFolder(args.train, size=args.size), ImageFolder(args.test, size=args.size)
    res = augment_rare_class(tr, te, rare=args.rare, k=args.k, generator_steps=args.steps, random_state=args.seed)
    atomic_write_json(Path(args.out) / "augmentation.json", res.to_dict())
    augmentation_report(res, tr.images, tr.labels).save(args.out, "report")
    r0, r1 = (res.real_only["per_class_recall"][args.rare], res.real_plus_synthetic["per_class_recall"][args.rare])
    print(f"{args.rare} recall: real-only {r0['value']:.3f} [{r0['ci_low']:.3f}, {r0['ci_high']:.3f}]; "
          f"real+synthetic {r1['value']:.3f} [{r1['ci_low']:.3f}, {r1['ci_high']:.3f}]")
    return 0


def _evaluate(args):
    from ..evaluation.report import Report
    from ..imaging.classifier import SmallCNN
    from ..imaging.io import ImageFolder
    from ..imaging.metrics import image_metrics

    real, syn = ImageFolder(args.real, size=args.size), ImageFolder(args.synthetic, size=args.size)
    ext = SmallCNN(real.num_classes, random_state=args.seed).fit(real.images, real.labels)
    rows = image_metrics(real.images, syn.images, training=real.images, feature_fn=ext.features,
                         extractor_name=f"SmallCNN penultimate layer trained on {args.real}")
    Report(rows, title="pharmasynth imaging: synthetic vs real").save(args.out, "report")
    print(f"report written to {args.out}")
    return 0


def register(subparsers, name: str = "imaging", help: str = "image diffusion and rare-class augmentation"):
    p = subparsers.add_parser(name, help=help, description="Class-conditional image diffusion (MONAI) and the "
                              "rare-class augmentation workflow.\nExample: pharmasynth imaging augment train/ test/ "
                              "--rare lesion --out out/imaging", formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="verb", required=True)
    t = sub.add_parser("train", help="train a diffusion model on class folders")
    t.add_argument("data"); t.add_argument("--out", required=True); t.add_argument("--size", type=int, default=32)
    t.add_argument("--steps", type=int, default=1000); t.add_argument("--seed", type=int, default=0)
    t.add_argument("--resume", action="store_true"); t.set_defaults(func=_train)
    s = sub.add_parser("sample", help="sample images of one class from a saved model")
    s.add_argument("model"); s.add_argument("--label", required=True); s.add_argument("-n", type=int, default=16)
    s.add_argument("--out", required=True); s.add_argument("--guidance", type=float, default=3.0)
    s.add_argument("--steps", type=int, default=50); s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_sample)
    a = sub.add_parser("augment", help="real-only vs real+synthetic classifier on held-out images")
    a.add_argument("train"); a.add_argument("test"); a.add_argument("--rare", default="lesion")
    a.add_argument("--k", type=float, default=2.0); a.add_argument("--size", type=int, default=32)
    a.add_argument("--steps", type=int, default=300); a.add_argument("--seed", type=int, default=0)
    a.add_argument("--out", required=True); a.set_defaults(func=_augment)
    e = sub.add_parser("evaluate", help="FID, MS-SSIM diversity and near-copies: real vs synthetic folders")
    e.add_argument("real"); e.add_argument("synthetic"); e.add_argument("--size", type=int, default=32)
    e.add_argument("--seed", type=int, default=0); e.add_argument("--out", required=True)
    e.set_defaults(func=_evaluate)
    return p
