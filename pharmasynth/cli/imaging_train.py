"""`pharmasynth imaging shipped | train | sample`."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError, UsageError
from .imaging import (LAYOUT, RenamedOption, WRITE_FORMATS, add_device, add_generator, add_reading, add_sampling,
                      add_seed_out, add_verb)

SHIPPED_HELP = """Write the shipped real-scan image set as class folders, ready for the other verbs:
OUT/train/<class>/ and OUT/test/<class>/ (brain_epi, brain_t1, lesion) plus OUT/sources.csv.

The set is built at run time from real brain MR volumes that ship inside the nibabel, dipy and nilearn
packages (nothing is downloaded): 4 EPI volumes and 3 T1 volumes, split by source volume (train and
test never share one); the rare class `lesion` is T1 slices with a simulated lesion (a documented,
seeded simulator). Each file is marked real, with its source volume and licence (PNG text chunks,
NIfTI header, DICOM tags, and a JSON sidecar)."""

SHIPPED_EXAMPLE = """examples:
  pharmasynth imaging shipped --out shipped
  pharmasynth imaging shipped --out shipped64 --size 64 --format nifti"""

TRAIN_HELP = f"""Train a class-conditional diffusion generator (MONAI DiffusionModelUNet, classifier-free guidance,
EMA weights) on class folders and save it as OUT/config.json + OUT/model.safetensors (no training
images inside).

Checkpoints: every --checkpoint-every steps to OUT/checkpoints/checkpoint.pt. Rerunning the same
command with the same --out resumes from the last checkpoint (bit-exact: the result equals an
uninterrupted run); a larger --train-steps continues training; --restart starts over. Progress is
shown on a terminal, and in logs by the shared progress helper.

{LAYOUT}"""

TRAIN_EXAMPLE = """examples:
  pharmasynth imaging shipped --out shipped
  pharmasynth imaging train shipped/train --out model --train-steps 300 --seed 0
  pharmasynth imaging train shipped/train --out model --train-steps 600   # continues from step 300"""

SAMPLE_HELP = """Sample synthetic images from a generator folder (written by `imaging train`, or the name of
weights shipped with pharmasynth, e.g. shipped32) and write them as OUT/<class>/synthetic_<class>_<i>
in the chosen formats, each with a JSON sidecar. Every file is marked synthetic with its provenance:
generator name and version, model hash, seed, class, sampler, eta, steps and guidance (PNG text
chunks; NIfTI header descrip and intent_name; DICOM ImageType DERIVED\\SECONDARY, ConversionType SYN,
BurnedInAnnotation NO, SeriesDescription and ImageComments, and a private PHARMASYNTH block).
`imaging evaluate` reads the output folder back exactly (sidecars ignored, each image once).

Class j of the --label list is drawn with seed SEED + j: the same command gives the same images."""

SAMPLE_EXAMPLE = """examples (shipped32: the demo generator shipped with pharmasynth, trained on the shipped set):
  pharmasynth imaging sample shipped32 --label lesion --n 16 --out samples_lesion
  pharmasynth imaging sample shipped32 --n 8 --format dicom nifti --modality MR --out samples_all_classes
  pharmasynth imaging sample shipped32 --label lesion --n 16 --sampler ddpm --sample-steps 200 --out samples_ddpm"""


def _shipped(args) -> int:
    from ..imaging.shipped import write_shipped

    if args.size < 2:
        raise UsageError(f"--size {args.size}: give at least 2 pixels.")
    res = write_shipped(args.out, size=args.size, format=args.format, random_state=args.seed)
    print(f"shipped image set written to {args.out}: train {res['train']} images, test {res['test']} images "
          f"({args.size}x{args.size}, {' + '.join(args.format)}); sources and licences in {res['sources']}")
    return 0


def _train(args) -> int:
    from .imaging_common import check_unet_size, fit_generator, read_folder

    check_unet_size(args.size, args.channels)        # before reading: a wrong size fails at once
    data = read_folder(args.data, args, "training images")
    out = Path(args.out)
    model = fit_generator(data, args, out)
    model.save(out)
    print(f"generator saved to {out} ({model.n_steps_} steps on {len(data)} images, classes {data.class_names}; "
          f"model hash {model.model_hash_[:12]})")
    return 0


def _sample(args) -> int:
    from ..imaging import ConditionalDiffusion
    from ..imaging.writers import write_samples
    from .imaging_common import resolve_model

    if args.n < 1:
        raise UsageError(f"--n {args.n}: give at least 1 image per class.")
    folder = resolve_model(args.model)
    model = ConditionalDiffusion.load(folder, device=args.device)
    names = list(model.class_names) if model.class_names else [str(k) for k in range(model.num_classes)]
    labels = args.label or names
    unknown = [c for c in labels if c not in names]
    if unknown:
        raise DataError(f"unknown class {unknown[0]!r}; known classes of {folder}: {', '.join(map(repr, names))}.")
    out = Path(args.out)
    stale = [f for c in labels for f in sorted((out / c).glob(f"synthetic_{c}_*"))]
    if stale and not args.overwrite:
        raise UsageError(f"{stale[0].parent} already holds {len(stale)} synthetic file(s) (e.g. {stale[0].name}); "
                         "they would be mixed with the new ones: pass --overwrite to replace them, or another --out.")
    for f in stale:
        f.unlink()
    total = 0
    for j, label in enumerate(labels):
        cls, seed = names.index(label), args.seed + j
        images = model.sample(args.n, cls, guidance_scale=args.guidance_scale, sampler=args.sampler, eta=args.eta,
                              num_inference_steps=args.sample_steps, batch_size=args.batch_size, random_state=seed)
        paths = write_samples(args.out, images, [cls] * len(images), class_names=names, seed=seed,
                              model_hash=model.model_hash_, guidance=args.guidance_scale, steps=args.sample_steps,
                              format=args.format, sampler=args.sampler, eta=args.eta, modality=args.modality,
                              bit_depth=args.bit_depth)
        total += len(images)
        print(f"{len(images)} images of {names[cls]!r} written to {Path(args.out) / names[cls]} ({len(paths)} files, "
              f"{' + '.join(args.format)}; seed {seed})")
    print(f"{total} synthetic images from {folder} ({args.sampler}, eta {args.eta}, {args.sample_steps} steps, "
          f"guidance {args.guidance_scale})")
    return 0


def register_shipped(verbs):
    p = add_verb(verbs, "shipped", _shipped, "write the shipped real-scan image set as class folders",
                 SHIPPED_HELP, SHIPPED_EXAMPLE)
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write train/, test/ and sources.csv to")
    p.add_argument("--size", type=int, default=32, metavar="N", help="image side in pixels")
    p.add_argument("--format", choices=WRITE_FORMATS, nargs="+", default=["png"],
                   help="file formats (PNG is 16-bit grey; all = png nifti dicom)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the simulated lesions")


def register_train(verbs):
    p = add_verb(verbs, "train", _train, "train a diffusion generator on class folders", TRAIN_HELP, TRAIN_EXAMPLE)
    p.add_argument("data", help="folder with one sub-folder of images per class")
    add_reading(p)
    add_generator(p, train_steps=1000)
    add_device(p)
    add_seed_out(p, "seed of the weights, data order and noise", "generator folder to write (and resume from)")


def register_sample(verbs):
    p = add_verb(verbs, "sample", _sample, "sample synthetic images of chosen classes from a generator",
                 SAMPLE_HELP, SAMPLE_EXAMPLE)
    p.add_argument("model", help="generator folder written by `imaging train`, or shipped weights (shipped32)")
    p.add_argument("--label", nargs="+", default=None, metavar="CLASS",
                   help="classes to sample (default: every class of the model)")
    p.add_argument("--n", type=int, default=16, metavar="N", help="images per class")
    p.add_argument("-n", dest="n", type=int, action=RenamedOption, new="--n")
    add_sampling(p, steps_alias=True)
    p.add_argument("--format", choices=WRITE_FORMATS, nargs="+", default=["png"],
                   help="file formats, one or more (all = png nifti dicom); each image also gets a JSON sidecar")
    p.add_argument("--bit-depth", type=int, choices=(8, 16), default=8, help="bits per PNG pixel")
    p.add_argument("--modality", default="OT", choices=("OT", "MR", "CT"),
                   help="DICOM Modality tag of the written files: the modality the generator was trained on "
                        "(OT = other)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="images denoised at once")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the synthetic files of the sampled classes already in OUT (else an error)")
    add_device(p)
    add_seed_out(p, "seed of the first class's sampling noise (class j uses SEED + j)",
                 "folder to write OUT/<class>/ image files to")
