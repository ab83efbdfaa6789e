"""What the imaging verbs do alike when they run: read class folders, check the image size against
the U-Net, train a generator with checkpoints that resume, and find a generator folder."""

from __future__ import annotations

from pathlib import Path

from ..errors import CheckpointError, UsageError


def read_folder(path, args, role: str):
    """An ImageFolder read with the verb's reading options, and one line saying what was read."""
    from ..imaging.datasets import ImageFolder

    data = ImageFolder(path, size=args.size, modality=args.modality, on_error=args.on_error,
                       ct_window=args.ct_window, volume_index=args.volume_index, non_square=args.non_square)
    counts = ", ".join(f"{c} {n}" for c, n in data.counts().items())
    read_as = "; ".join(f"{m}: {n} file(s)" for m, n in sorted(data.read_as.items()))
    extra = "".join([f"; {len(data.skipped)} file(s) skipped" if data.skipped else "",
                     f"; {len(data.padded)} padded to square" if data.padded else "",
                     f"; {len(data.duplicates)} duplicate format(s) not re-read" if data.duplicates else ""])
    classes = f"{data.num_classes} class" + ("es" if data.num_classes != 1 else "")
    print(f"{role} {path}: {len(data)} images of {args.size}x{args.size} in {classes} "
          f"({counts}); intensities {read_as}{extra}")
    return data


def unet_channels(size: int, channels):
    """The U-Net channels a model of this size gets (`--channels` or the tuned default)."""
    if channels:
        return tuple(int(c) for c in channels)
    from ..imaging.unet import tuned_settings

    return tuple(tuned_settings(int(size))["channels"])


def check_unet_size(size: int, channels) -> tuple:
    """A clear error for an image size the U-Net cannot take; returns the channels."""
    chans = unet_channels(size, channels)
    if any(c < 4 for c in chans):
        raise UsageError(f"--channels {' '.join(map(str, chans))}: every level needs at least 4 channels.")
    step = 2 ** (len(chans) - 1)
    if size < 2 * step or size % step:
        lower, upper = max(2 * step, size // step * step), max(2 * step, -(-size // step) * step)
        sizes = f"{lower}" if lower == upper else f"{lower} or {upper}"
        raise UsageError(f"--size {size}: the U-Net with channels {' '.join(map(str, chans))} halves the image "
                         f"{len(chans) - 1} times, so the size must be a multiple of {step} and at least {2 * step} "
                         f"(try --size {sizes}, or fewer --channels levels).")
    return chans


def checkpoint_step(checkpoint) -> int | None:
    """The step a checkpoint file was written at (None when there is none)."""
    if not Path(checkpoint).is_file():
        return None
    from .._util.serialization import load_checkpoint

    try:
        return int(load_checkpoint(checkpoint).get("step", 0))
    except Exception as exc:  # a checkpoint cut short by a kill while written (atomic writes prevent it)
        raise CheckpointError(f"{checkpoint}: unreadable ({exc}); rerun with --restart to train from step 0.") from exc


def fit_generator(data, args, out: Path):
    """Train a ConditionalDiffusion on `data` with the verb's options, checkpointing to OUT/checkpoints;
    a rerun with the same OUT resumes where the last run stopped."""
    from ..imaging import ConditionalDiffusion

    chans = check_unet_size(args.size, args.channels)
    if args.train_steps < 1:
        raise UsageError(f"--train-steps {args.train_steps}: give at least 1 step.")
    if args.checkpoint_every < 0:
        raise UsageError(f"--checkpoint-every {args.checkpoint_every}: give N >= 1, or 0 for no checkpoints.")
    model = ConditionalDiffusion(image_size=args.size, num_classes=data.num_classes, class_names=data.class_names,
                                 channels=chans if args.channels else None, lr=args.lr, batch_size=args.batch_size,
                                 train_steps=args.train_steps, device=args.device, random_state=args.seed)
    ckpt_dir = out / "checkpoints" if args.checkpoint_every else None
    start = None if ckpt_dir is None or args.restart else checkpoint_step(ckpt_dir / "checkpoint.pt")
    if start:
        print(f"resuming from {ckpt_dir / 'checkpoint.pt'} at step {start} of {args.train_steps}")
    try:
        model.fit(data, checkpoint_dir=ckpt_dir, checkpoint_every=args.checkpoint_every or 1,
                  resume=not args.restart)
    except CheckpointError as exc:
        raise CheckpointError(f"{exc} (CLI: use another --out, or --restart to train from step 0)") from None
    except KeyboardInterrupt:
        if ckpt_dir is not None:
            at = checkpoint_step(ckpt_dir / "checkpoint.pt")
            print(f"interrupted; the last checkpoint is at step {at or 0}: rerun the same command to resume.")
        raise
    return model


def resolve_model(name: str) -> Path:
    """A generator folder, or the name of weights shipped with pharmasynth (e.g. shipped32)."""
    path = Path(name)
    if path.is_dir():
        return path
    try:
        from ..imaging.pretrained import PRETRAINED, pretrained_path
    except ImportError:
        PRETRAINED, pretrained_path = (), None
    if name in PRETRAINED:
        return Path(pretrained_path(name))   # its own clear error when the weights are missing
    shipped = f" or the name of shipped weights ({', '.join(PRETRAINED)})" if PRETRAINED else ""
    raise CheckpointError(f"{name}: no such model folder; give a folder written by "
                          f"`pharmasynth imaging train`{shipped}.")
