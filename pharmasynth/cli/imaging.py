"""`pharmasynth imaging shipped | train | sample | evaluate | augment`: the command group and what its verbs share.

Nothing heavy is imported here (torch, MONAI, nibabel load only when a verb runs), so `--help` is fast;
the sampler defaults are read from `pharmasynth/imaging/sampler_defaults.py`, the library's one source,
loaded by file so that `pharmasynth/imaging/__init__.py` (pandas, scipy) does not run.
"""

from __future__ import annotations

import argparse
import importlib.util
import warnings
from pathlib import Path

from ._common import FORMAT, verb_group


def _sampler_defaults():
    """`pharmasynth/imaging/sampler_defaults.py` (a module without imports), loaded without its package."""
    path = Path(__file__).resolve().parents[1] / "imaging" / "sampler_defaults.py"
    spec = importlib.util.spec_from_file_location("pharmasynth.cli._imaging_sampler_defaults", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_DEFAULTS = _sampler_defaults()
DEVICES = ("cpu", "cuda", "auto")
SAMPLERS = _DEFAULTS.SAMPLERS
DEFAULT_SAMPLER = _DEFAULTS.DEFAULT_SAMPLER
DEFAULT_ETA = _DEFAULTS.DEFAULT_ETA
DEFAULT_SAMPLE_STEPS = _DEFAULTS.DEFAULT_SAMPLE_STEPS
READ_MODALITIES = ("auto", "CT", "MR", "other")
CT_WINDOWS = ("soft_tissue", "lung", "bone", "brain")
WRITE_FORMATS = ("png", "nifti", "dicom", "all")

LAYOUT = """input folders: one sub-folder per class; the class is the sub-folder's name.
  DIR/
    brain_t1/  a.nii.gz b.nii.gz ...        NIfTI volumes: every axial slice is one image
    lesion/    series1/IM0001 IM0002 ...     DICOM files or series (any depth, suffix or not)
    normal/    x.png y.png ...              PNG (8- or 16-bit, grey or colour) or NPY arrays
  JSON sidecars are ignored; an image written in several formats (x.png + x.nii.gz) is read once;
  non-square slices are padded to a square (--non-square error refuses them); unreadable files are
  skipped and listed (--on-error fail stops instead). CT is windowed in Hounsfield units, MR scaled
  by its 1-99 % percentiles, files written by pharmasynth read back as they were written."""

DESCRIPTION = f"""Class-conditional image diffusion (MONAI) for MR/CT slices and the rare-class augmentation
workflow: train a generator, sample synthetic images of a class (written as PNG, NIfTI or DICOM, each
marked synthetic with its provenance), score them against real images, and measure whether they help
a classifier of the rare class on held-out real images.

  shipped   write the shipped real-scan set (built from MR volumes inside installed packages)
  train     class folders -> a trained generator folder (resumes from its checkpoint when rerun)
  sample    generator folder -> synthetic images of chosen classes, with provenance
  evaluate  real vs synthetic class folders -> report (FID, judge placement, diversity, near-copies)
  augment   real-only vs real+synthetic classifier on held-out images, with CIs

{LAYOUT}

Old option spellings (--steps, -n, --guidance, --resume) still work for one release, with a FutureWarning."""

EPILOG = """examples (run in order; the first writes the shipped set to ./shipped):
  pharmasynth imaging shipped --out shipped
  pharmasynth imaging train shipped/train --out model --train-steps 300
  pharmasynth imaging sample model --label lesion --n 16 --out samples
  pharmasynth imaging evaluate shipped/train samples --out eval"""


class RenamedOption(argparse.Action):
    """An old spelling kept for one release: stores into the new option's dest with a FutureWarning."""

    def __init__(self, option_strings, dest, new: str, **kwargs):
        self.new = new
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        warnings.warn(f"{option_string} is deprecated and will be removed in the next release; use {self.new} "
                      "instead.", FutureWarning, stacklevel=2)
        setattr(namespace, self.dest, values)


class DeprecatedFlag(argparse.Action):
    """An old flag that no longer does anything (its behaviour is now the default)."""

    def __init__(self, option_strings, dest, note: str, **kwargs):
        self.note = note
        super().__init__(option_strings, dest, nargs=0, help=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        warnings.warn(f"{option_string} is deprecated and will be removed in the next release: {self.note}",
                      FutureWarning, stacklevel=2)


def add_verb(verbs, name, func, help, description, epilog):
    p = verbs.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=FORMAT)
    p.set_defaults(func=func)
    return p


def add_reading(p, size_help="image side in pixels: every slice is padded to a square and resized to it"):
    """The options of every verb that reads class folders."""
    p.add_argument("--size", type=int, default=32, metavar="N", help=size_help)
    p.add_argument("--modality", choices=READ_MODALITIES, default="auto",
                   help="intensity scaling: auto (DICOM's Modality tag; NIfTI is CT when it holds Hounsfield air "
                        "values below -500, else MR; PNG/NPY min-max), or force CT (HU window) / MR (1-99 %% "
                        "percentiles) / other (min-max) for every file")
    p.add_argument("--ct-window", choices=CT_WINDOWS, default="soft_tissue", help="Hounsfield window of CT images")
    p.add_argument("--volume-index", type=int, default=None, metavar="N",
                   help="the volume to read from 4-D NIfTI files (default: refuse 4-D files with several volumes; "
                        "a single-volume 4-D file is read as 3-D)")
    p.add_argument("--non-square", choices=("pad", "error"), default="pad",
                   help="non-square slices: pad to a square with the background, or stop with an error naming the file")
    p.add_argument("--on-error", choices=("skip", "fail"), default="skip",
                   help="an unreadable file: skip it and list it, or stop at it")


def add_device(p):
    p.add_argument("--device", choices=DEVICES, default="cpu",
                   help="torch device of the diffusion model (auto = cuda when available)")


def add_generator(p, train_steps: int, steps_alias: bool = True):
    """The generator's training options (train, augment)."""
    p.add_argument("--train-steps", type=int, default=train_steps, metavar="N", help="optimizer steps of the generator")
    if steps_alias:
        p.add_argument("--steps", dest="train_steps", type=int, action=RenamedOption, new="--train-steps")
    p.add_argument("--lr", type=float, default=None,
                   help="AdamW learning rate (default: tuned for the image size, 1e-3 at 32 and 64 pixels)")
    p.add_argument("--channels", type=int, nargs="+", default=None, metavar="C",
                   help="U-Net channels per level, e.g. 32 64 64 (default: tuned for the image size); each "
                        "extra level halves the image once more")
    p.add_argument("--batch-size", type=int, default=32, metavar="N", help="training batch size")
    p.add_argument("--checkpoint-every", type=int, default=100, metavar="N",
                   help="write OUT/checkpoints/checkpoint.pt every N steps; a killed run rerun with the same --out "
                        "resumes from it (0 = no checkpoints)")
    p.add_argument("--restart", action="store_true",
                   help="ignore a checkpoint in OUT/checkpoints and train from step 0")
    p.add_argument("--resume", action=DeprecatedFlag, note="a rerun with the same --out now always resumes "
                   "(--restart starts over).")


def add_sampling(p, steps_alias: bool):
    """The sampling options (sample, augment)."""
    p.add_argument("--sampler", choices=SAMPLERS, default=DEFAULT_SAMPLER,
                   help="ddim (with --eta; eta 1 re-noises like DDPM) or ancestral ddpm")
    p.add_argument("--eta", type=float, default=DEFAULT_ETA,
                   help="DDIM noise: 0 deterministic, 1 DDPM-like (used by --sampler ddim)")
    p.add_argument("--sample-steps", type=int, default=DEFAULT_SAMPLE_STEPS, metavar="N",
                   help="denoising steps per sample")
    if steps_alias:
        p.add_argument("--steps", dest="sample_steps", type=int, action=RenamedOption, new="--sample-steps")
    p.add_argument("--guidance-scale", type=float, default=3.0,
                   help="classifier-free guidance scale (1 = plain conditional sampling)")
    p.add_argument("--guidance", dest="guidance_scale", type=float, action=RenamedOption, new="--guidance-scale")


def add_seed_out(p, seed_help: str, out_help: str = "output folder"):
    p.add_argument("--seed", type=int, default=0, metavar="N", help=seed_help)
    p.add_argument("--out", required=True, metavar="DIR", help=out_help)


def register(subparsers, name: str = "imaging", help: str = "image diffusion and rare-class augmentation"):
    from .imaging_eval import register_augment, register_evaluate
    from .imaging_train import register_sample, register_shipped, register_train

    parser, verbs = verb_group(subparsers, name, help, DESCRIPTION, EPILOG)
    register_shipped(verbs)
    register_train(verbs)
    register_sample(verbs)
    register_evaluate(verbs)
    register_augment(verbs)
    return parser
