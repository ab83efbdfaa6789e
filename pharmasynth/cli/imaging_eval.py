"""`pharmasynth imaging evaluate | augment`."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError, UsageError
from .imaging import LAYOUT, add_device, add_generator, add_reading, add_sampling, add_seed_out, add_verb

EVALUATE_HELP = f"""Score synthetic images against real ones, class by class: FID on the toolkit's fixed feature
extractor (a classifier trained on the real images; nothing downloaded), where a judge trained on
the real images places the synthetic images (beside the judge's own sensitivity and specificity per
class on a held-out half of the real images: a placement means little from a judge that cannot tell
the classes apart), MS-SSIM diversity and near-copies of real images.
Writes OUT/report.html and OUT/report.json. The synthetic folder's classes must be classes of the
real folder (sample output folders qualify: `imaging sample` writes OUT/<class>/).

{LAYOUT}"""

EVALUATE_EXAMPLE = """examples:
  pharmasynth imaging shipped --out shipped
  pharmasynth imaging sample shipped32 --n 8 --out samples_eval
  pharmasynth imaging evaluate shipped/test samples_eval --out eval"""

AUGMENT_HELP = f"""The rare-class augmentation workflow on real held-out images: train a generator on TRAIN (or
take --model), sample k x (number of real rare images) synthetic images of the rare class, filter
near-copies and off-class samples, then train the same classifier on real-only and on
real+synthetic images over several seeds and compare them on TEST (per-class recall, balanced
accuracy, rare-class AUC, bootstrap CIs over seeds and test images), beside a comparator arm:
an oracle (extra real-like rare images, --oracle) or classic augmentation. Writes OUT/augmentation.json,
OUT/report.html, OUT/report.json, the kept synthetic images (OUT/synthetic_kept.npz and tagged PNGs in
OUT/synthetic_kept/<rare>/) and the generator in OUT/generator/ (checkpointed: a killed run rerun
with the same --out resumes).

--rare: the class to augment; when not given it is the smallest class of TRAIN, and the command says so.

{LAYOUT}"""

AUGMENT_EXAMPLE = """examples (--model shipped32: the shipped demo generator; without --model one is trained first):
  pharmasynth imaging shipped --out shipped
  pharmasynth imaging augment shipped/train shipped/test --model shipped32 --rare lesion --k 4 \\
      --oracle shipped --out aug"""


def _evaluate(args) -> int:
    from ..imaging import image_report
    from .imaging_common import read_folder

    real = read_folder(args.real, args, "real images")
    synthetic = read_folder(args.synthetic, args, "synthetic images")
    foreign = [c for c in synthetic.class_names if c not in real.class_names]
    if foreign:
        raise DataError(f"{args.synthetic}: class(es) {foreign} are not classes of the real folder {args.real} "
                        f"({', '.join(real.class_names)}); name the synthetic sub-folders after real classes.")
    report = image_report(real, synthetic, real_name=str(args.real), random_state=args.seed)
    paths = report.write(args.out, "report")
    lead = getattr(report, "lead", None)
    if lead is not None and getattr(lead, "sentence", None):
        print(lead.sentence)
    print(f"report written to {', '.join(str(p) for p in _paths(paths, args.out))}")
    return 0


def _paths(paths, out):
    if isinstance(paths, dict):
        return list(paths.values())
    return [Path(out) / "report.html", Path(out) / "report.json"]


def infer_rare(data, given, where) -> str:
    """`given`, checked, or the single smallest class of `data` (printed, never silent)."""
    counts = data.counts()
    if given is not None:
        if given not in counts:
            raise DataError(f"--rare {given!r} is not a class of {where} ({', '.join(counts)}).")
        return given
    smallest = min(counts.values())
    tied = [c for c, n in counts.items() if n == smallest]
    if len(tied) > 1:
        raise UsageError(f"--rare is not given and {where} has several smallest classes ({', '.join(tied)}, "
                         f"{smallest} images each): pass --rare CLASS.")
    print(f"rare class: {tied[0]!r} (inferred: the smallest class of {where}, {smallest} of {len(data)} "
          "images; pass --rare CLASS to choose another)")
    return tied[0]


def _augment(args) -> int:
    from ..imaging import ConditionalDiffusion, augment_rare_class, augmentation_report
    from .imaging_common import check_unet_size, fit_generator, read_folder, resolve_model

    if args.seeds < 1:
        raise UsageError(f"--seeds {args.seeds}: give at least 1 classifier seed (5 or more for honest CIs).")
    if not args.model:
        check_unet_size(args.size, args.channels)
    train = read_folder(args.train, args, "training images")
    test = read_folder(args.test, args, "held-out images")
    if test.class_names != train.class_names:
        raise DataError(f"the classes of {args.train} ({', '.join(train.class_names)}) and {args.test} "
                        f"({', '.join(test.class_names)}) differ; both need the same class sub-folders.")
    rare = infer_rare(train, args.rare, args.train)
    out = Path(args.out)
    if args.model:
        model = ConditionalDiffusion.load(resolve_model(args.model), device=args.device)
        if list(model.class_names or []) != train.class_names or model.image_size != args.size:
            raise DataError(f"--model {args.model}: trained on classes {model.class_names} at {model.image_size} "
                            f"pixels; {args.train} has {train.class_names} at --size {args.size}.")
    else:
        model = fit_generator(train, args, out / "generator")
        model.save(out / "generator")
        print(f"generator saved to {out / 'generator'} ({model.n_steps_} steps)")
    oracle = None
    if args.oracle == "shipped":
        from ..imaging.oracle import shipped_oracle

        oracle = shipped_oracle(args.size)
    if oracle is not None and rare != "lesion":
        raise UsageError(f"--oracle shipped draws simulated lesions; it fits --rare lesion, not {rare!r}.")
    comparator = None if args.comparator == "none" else args.comparator
    if comparator in ("oracle", "both") and oracle is None:
        raise UsageError(f"--comparator {args.comparator} needs an oracle of extra real-like rare images: "
                         "--oracle shipped (the shipped set's lesion simulator).")
    res = augment_rare_class(train, test, rare=rare, k=args.k, model=model, seeds=tuple(range(args.seeds)),
                             n_bootstrap=args.bootstrap, guidance_scale=args.guidance_scale, sampler=args.sampler,
                             eta=args.eta, num_inference_steps=args.sample_steps, oracle=oracle,
                             comparator=comparator, classifier_kwargs={"epochs": args.classifier_epochs},
                             device=args.device, random_state=args.seed)
    res.write(out)
    if res.synthetic is not None and len(res.synthetic):
        # the kept samples also as tagged image files, so `imaging evaluate` can read them
        from ..imaging.writers import write_samples

        write_samples(out / "synthetic_kept", res.synthetic, [train.class_names.index(rare)] * len(res.synthetic),
                      class_names=train.class_names, seed=args.seed, model_hash=getattr(model, "model_hash_", ""),
                      guidance=args.guidance_scale, steps=args.sample_steps, sampler=args.sampler, eta=args.eta)
    augmentation_report(res, train.images, train.labels).write(out, "report")
    for arm in ("real_only", "real_plus_synthetic", "real_plus_oracle", "real_plus_classic"):
        d = getattr(res, arm, None)
        if d:
            r = d["per_class_recall"][rare]
            print(f"{rare} recall, {arm.replace('_', ' ')}: {r['value']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]")
    verdict = getattr(res, "verdict", None)
    if verdict:
        print(f"verdict: {verdict}")
    print(f"filters: {res.filter_counts}; results in {out / 'augmentation.json'} and {out / 'report.html'}")
    return 0


def register_evaluate(verbs):
    p = add_verb(verbs, "evaluate", _evaluate, "score synthetic class folders against real ones",
                 EVALUATE_HELP, EVALUATE_EXAMPLE)
    p.add_argument("real", help="real images, one sub-folder per class")
    p.add_argument("synthetic", help="synthetic images, one sub-folder per class (e.g. an `imaging sample` --out)")
    add_reading(p)
    add_seed_out(p, "seed of the feature extractor, the judge and the MS-SSIM pairs", "report folder")


def register_augment(verbs):
    p = add_verb(verbs, "augment", _augment, "real-only vs real+synthetic classifier on held-out images",
                 AUGMENT_HELP, AUGMENT_EXAMPLE)
    p.add_argument("train", help="training folder, one sub-folder per class")
    p.add_argument("test", help="held-out folder with the same classes (never used for training)")
    p.add_argument("--rare", default=None, metavar="CLASS",
                   help="the class to augment (default: the smallest class of TRAIN, stated in the output)")
    p.add_argument("--k", type=float, default=2.0, help="synthetic images per real rare image")
    p.add_argument("--model", default=None, metavar="DIR",
                   help="a trained generator folder (or shipped weights, e.g. shipped32) instead of training one")
    p.add_argument("--seeds", type=int, default=5, metavar="N",
                   help="classifier seeds per arm (CIs include their variance)")
    p.add_argument("--bootstrap", type=int, default=500, metavar="N", help="bootstrap replicates of the CIs")
    p.add_argument("--classifier-epochs", type=int, default=15, metavar="N",
                   help="epochs of the downstream classifier (the same in every arm)")
    p.add_argument("--oracle", choices=("none", "shipped"), default="none",
                   help="extra real-like rare images never shown to the generator: shipped = fresh lesions from "
                        "the shipped set's simulator (use it with `imaging shipped` folders and --rare lesion)")
    p.add_argument("--comparator", choices=("auto", "oracle", "classic", "both", "none"), default="auto",
                   help="the arm synthetic images are measured against: auto = the oracle arm with --oracle, "
                        "else classic augmentation (flips, affine, intensity) of the real rare images")
    add_reading(p)
    add_generator(p, train_steps=300)
    add_sampling(p, steps_alias=False)
    add_device(p)
    add_seed_out(p, "seed of the whole workflow", "output folder (augmentation.json, report, generator/)")
