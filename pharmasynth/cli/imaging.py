"""`pharmasynth imaging train | sample | augment | evaluate`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import verb_group

DEVICES = ("cpu", "cuda", "auto")


def _train(args):
    from ..imaging import ConditionalDiffusion, ImageFolder

    data = ImageFolder(args.data, size=args.size)
    model = ConditionalDiffusion(image_size=args.size, num_classes=data.num_classes, class_names=data.class_names,
                                 train_steps=args.steps, device=args.device, random_state=args.seed)
    model.fit(data, checkpoint_dir=Path(args.out) / "checkpoints" if args.resume else None)
    model.save(args.out)
    print(f"model saved to {args.out} ({len(data)} images, classes {data.class_names}; {len(data.skipped)} skipped)")
    return 0


def _sample(args):
    from ..imaging import ConditionalDiffusion, write_samples

    model = ConditionalDiffusion.load(args.model, device=args.device)
    images, labels = model.sample_per_class({args.label: args.n}, guidance_scale=args.guidance,
                                            num_inference_steps=args.steps, random_state=args.seed)
    paths = write_samples(args.out, images, labels, class_names=model.class_names, seed=model.last_sample_seed_,
                          model_hash=model.model_hash_, guidance=args.guidance, steps=args.steps,
                          format=args.format)
    print(f"{len(images)} images of {args.label!r} written to {args.out} ({len(paths)} files, {args.format})")
    return 0


def _augment(args):
    from ..imaging import ImageFolder, augment_rare_class, augmentation_report

    train, test = ImageFolder(args.train, size=args.size), ImageFolder(args.test, size=args.size)
    res = augment_rare_class(train, test, rare=args.rare, k=args.k, model_train_steps=args.steps,
                             device=args.device, random_state=args.seed)
    res.write(args.out)
    augmentation_report(res, train.images, train.labels).write(args.out, "report")
    r0, r1 = (res.real_only["per_class_recall"][args.rare], res.real_plus_synthetic["per_class_recall"][args.rare])
    print(f"{args.rare} recall: real-only {r0['value']:.3f} [{r0['ci_low']:.3f}, {r0['ci_high']:.3f}]; "
          f"real+synthetic {r1['value']:.3f} [{r1['ci_low']:.3f}, {r1['ci_high']:.3f}]")
    return 0


def _evaluate(args):
    from ..imaging import ImageFolder, image_report

    real, synthetic = ImageFolder(args.real, size=args.size), ImageFolder(args.synthetic, size=args.size)
    image_report(real, synthetic, real_name=args.real, random_state=args.seed).write(args.out, "report")
    print(f"report written to {args.out}")
    return 0


def register(subparsers, name: str = "imaging", help: str = "image diffusion and rare-class augmentation"):
    fmt = argparse.ArgumentDefaultsHelpFormatter
    p, sub = verb_group(subparsers, name, help, "Class-conditional image diffusion (MONAI) and the rare-class "
                        "augmentation workflow.\nExample: pharmasynth imaging augment train/ test/ --rare lesion "
                        "--out out/imaging", None)

    def common(q, seed_help):
        q.add_argument("--seed", type=int, default=0, help=seed_help)
        q.add_argument("--out", required=True, help="output folder")

    def device(q):
        q.add_argument("--device", choices=DEVICES, default="cpu", help="torch device of the diffusion model")

    t = sub.add_parser("train", help="train a diffusion model on class folders", formatter_class=fmt)
    t.add_argument("data", help="folder with one sub-folder of images per class")
    t.add_argument("--size", type=int, default=32, help="image side in pixels (images are resized)")
    t.add_argument("--steps", type=int, default=1000, help="optimizer steps")
    t.add_argument("--resume", action="store_true", help="checkpoint to OUT/checkpoints and resume from there")
    device(t); common(t, "seed of the weights, data order and noise"); t.set_defaults(func=_train)
    s = sub.add_parser("sample", help="sample images of one class from a saved model", formatter_class=fmt)
    s.add_argument("model", help="model folder written by `imaging train`")
    s.add_argument("--label", required=True, help="class name to sample")
    s.add_argument("-n", type=int, default=16, help="number of images")
    s.add_argument("--guidance", type=float, default=3.0, help="classifier-free guidance scale (1 = none)")
    s.add_argument("--steps", type=int, default=50, help="DDIM steps")
    s.add_argument("--format", choices=("png", "nifti", "both"), default="png",
                   help="file format; every file is tagged synthetic with its provenance")
    device(s); common(s, "seed of the sampling noise"); s.set_defaults(func=_sample)
    a = sub.add_parser("augment", help="real-only vs real+synthetic classifier on held-out images",
                       formatter_class=fmt)
    a.add_argument("train", help="training folder, one sub-folder per class")
    a.add_argument("test", help="held-out folder with the same classes")
    a.add_argument("--rare", default="lesion", help="the rare class to augment")
    a.add_argument("--k", type=float, default=2.0, help="synthetic images per real rare image")
    a.add_argument("--size", type=int, default=32, help="image side in pixels (images are resized)")
    a.add_argument("--steps", type=int, default=300, help="training steps of the diffusion model")
    device(a); common(a, "seed of the whole workflow"); a.set_defaults(func=_augment)
    e = sub.add_parser("evaluate", help="FID, MS-SSIM diversity and near-copies: real vs synthetic folders",
                       formatter_class=fmt)
    e.add_argument("real", help="real images, one sub-folder per class")
    e.add_argument("synthetic", help="synthetic images, one sub-folder per class")
    e.add_argument("--size", type=int, default=32, help="image side in pixels (images are resized)")
    common(e, "seed of the feature extractor and the MS-SSIM pairs"); e.set_defaults(func=_evaluate)
    return p
