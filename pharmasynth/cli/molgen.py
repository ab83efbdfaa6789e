"""`pharmasynth molgen train | sample | filter | score`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import CheckpointError, InputFileError

DESCRIPTION = """Generate molecules and score generated libraries.

  train   SMILES file -> model folder (a SmilesVAE, or a LatentDiffusion on top of a trained VAE)
  sample  model folder -> .smi or .csv of generated SMILES (optionally property-conditioned)
  filter  drug-likeness filters with the reasons each molecule was rejected
  score   MOSES metrics of a generated library against reference/test sets"""

TRAIN_EXAMPLE = """examples:
  pharmasynth molgen train data/moses/train.smi --out models/vae --epochs 5
  pharmasynth molgen train data/moses/train.smi --out models/vae --epochs 10 --resume   # continue
  pharmasynth molgen train data/moses/train.smi --model diffusion --vae models/vae \\
      --conditions qed logp --out models/ldm"""

SAMPLE_EXAMPLE = """examples:
  pharmasynth molgen sample models/vae --n 10000 --out generated.smi --seed 0
  pharmasynth molgen sample models/ldm --n 2000 --condition qed=0.8 logp=2.5 --out hits.csv"""


def read_smiles_file(path, column: str | None = None) -> list[str]:
    """SMILES from .smi/.csv(.gz)/.sdf via molgen.io when present; a plain reader otherwise."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    try:
        from ..molgen.io import read_smiles  # streaming reader with skip-and-report (scoring side)
    except ImportError:
        read_smiles = None
    if read_smiles is not None:
        out = read_smiles(path, column=column) if column else read_smiles(path)
        out = getattr(out, "smiles", out)
        return [str(s) for s in out]
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="strict") as fh:
        lines = [ln.rstrip("\n") for ln in fh]
    if path.name.endswith((".csv", ".csv.gz")):
        header = lines[0].split(",")
        col = column or next((c for c in header if c.lower() in ("smiles", "canonical_smiles")), None)
        if col not in header:
            raise InputFileError(f"{path}: no column {col!r} (columns: {header}); pass --column.")
        j = header.index(col)
        out = [ln.split(",")[j] for ln in lines[1:] if ln.strip()]
    else:
        out = [ln.split()[0] for ln in lines if ln.strip() and not ln.lower().startswith("smiles")]
    if not out:
        raise InputFileError(f"{path}: holds no SMILES.")
    return out


def _model_class(folder) -> str:
    cfg = Path(folder) / "config.json"
    if not cfg.is_file():
        raise CheckpointError(f"{folder}: not a model folder (no config.json); train one with "
                              "'pharmasynth molgen train'.")
    return json.loads(cfg.read_text(encoding="utf-8")).get("class", "")


def _conditions(items) -> dict:
    out = {}
    for it in items or []:
        if "=" not in it:
            raise argparse.ArgumentTypeError(f"--condition expects NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        try:
            out[k.strip().lower()] = float(v)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--condition {it!r}: {v!r} is not a number") from None
    return out


def _train(args) -> int:
    from ..molgen.latent_diffusion import LatentDiffusion
    from ..molgen.vae import SmilesVAE

    smiles = read_smiles_file(args.input, args.column)
    out = Path(args.out)
    if args.model == "vae":
        vae = SmilesVAE(latent_dim=args.latent_dim, hidden_dim=args.hidden_dim, max_length=args.max_length,
                        batch_size=args.batch_size, epochs=args.epochs, device=args.device,
                        random_state=args.seed)
        vae.fit(smiles, checkpoint_dir=out / "checkpoints", resume=args.resume)
        vae.save(out)
        last = vae.history_[-1] if vae.history_ else {}
        print(f"trained SmilesVAE on {len(smiles)} SMILES, {vae.n_steps_} steps; last epoch: {last}; saved to {out}")
    else:
        if not args.vae:
            raise InputFileError("--model diffusion needs --vae DIR (a trained SmilesVAE folder).")
        vae = SmilesVAE.load(args.vae)
        ldm = LatentDiffusion(vae, conditions=args.conditions, epochs=args.epochs, labels=args.labels,
                              random_state=args.seed)
        ldm.fit(smiles)
        ldm.save(out)
        print(f"trained LatentDiffusion on {ldm.n_train_} molecules (conditions {ldm.conditions}); saved to {out}")
    return 0


def _sample(args) -> int:
    import pandas as pd

    from .._util import atomic_write_text
    from ..molgen.latent_diffusion import LatentDiffusion
    from ..molgen.vae import SmilesVAE

    cond = _conditions(args.condition)
    kind = _model_class(args.model)
    if kind == "LatentDiffusion":
        ldm = LatentDiffusion.load(args.model)
        smiles = ldm.sample(args.n, condition=cond or None, guidance_scale=args.guidance_scale,
                            num_inference_steps=args.steps, random_state=args.seed)
    elif kind == "SmilesVAE":
        if cond:
            raise InputFileError("--condition needs a LatentDiffusion model; this folder holds a SmilesVAE.")
        smiles = SmilesVAE.load(args.model).sample(args.n, temperature=args.temperature, random_state=args.seed,
                                                    prior=args.prior)
    else:
        raise CheckpointError(f"{args.model}: holds a {kind!r}, not a SmilesVAE or LatentDiffusion.")
    out = Path(args.out)
    if out.name.endswith(".csv"):
        atomic_write_text(out, pd.DataFrame({"smiles": smiles}).to_csv(index=False))
    else:
        atomic_write_text(out, "".join(s + "\n" for s in smiles))
    print(f"wrote {len(smiles)} SMILES to {out}")
    return 0


def register(subparsers, name: str = "molgen", help: str | None = None):
    parser = subparsers.add_parser(name, help=help, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    tr = verbs.add_parser("train", help="train a SmilesVAE or a LatentDiffusion from a SMILES file",
                          description="Train a model from a SMILES file (.smi, .csv, .sdf, optionally .gz) and "
                          "save it as a folder (config.json + model.safetensors; no training SMILES inside).",
                          epilog=TRAIN_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    tr.add_argument("input", help="SMILES file")
    tr.add_argument("--out", required=True, help="model folder to write")
    tr.add_argument("--model", choices=["vae", "diffusion"], default="vae")
    tr.add_argument("--vae", help="trained SmilesVAE folder (for --model diffusion)")
    tr.add_argument("--column", help="SMILES column of a CSV file")
    tr.add_argument("--epochs", type=int, default=10)
    tr.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints (VAE only)")
    tr.add_argument("--conditions", nargs="+", default=["qed", "logp"], help="properties to condition on "
                    "(diffusion): qed logp sa mw")
    tr.add_argument("--labels", choices=["decoded", "input"], default="decoded",
                    help="diffusion: label each latent with the properties of what the VAE decodes it to "
                         "(default; invalid decodings left out) or of the input molecule")
    tr.add_argument("--latent-dim", type=int, default=64)
    tr.add_argument("--hidden-dim", type=int, default=256)
    tr.add_argument("--max-length", type=int, default=100)
    tr.add_argument("--batch-size", type=int, default=128)
    tr.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    tr.add_argument("--seed", type=int, default=0)
    tr.set_defaults(func=_train)

    sa = verbs.add_parser("sample", help="sample SMILES from a trained model folder",
                          description="Sample SMILES from a SmilesVAE or LatentDiffusion folder. Writes .smi "
                          "(one SMILES a line) or .csv (column 'smiles') atomically.",
                          epilog=SAMPLE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    sa.add_argument("model", help="model folder written by 'molgen train'")
    sa.add_argument("--n", type=int, default=1000)
    sa.add_argument("--out", required=True, help="output .smi or .csv")
    sa.add_argument("--condition", nargs="+", metavar="NAME=VALUE", help="e.g. qed=0.8 logp=2.5 (diffusion)")
    sa.add_argument("--guidance-scale", type=float, default=2.0)
    sa.add_argument("--steps", type=int, default=50, help="denoising steps (diffusion)")
    sa.add_argument("--temperature", type=float, default=1.0, help="decoder temperature (VAE)")
    sa.add_argument("--prior", choices=["aggregate", "standard"], default="aggregate",
                    help="VAE latent prior: a Gaussian fitted to the training encodings (default; more valid "
                         "SMILES when the KL weight is small) or N(0, I)")
    sa.add_argument("--seed", type=int, default=0)
    sa.set_defaults(func=_sample)

    try:
        from .molgen_scoring import register_scoring  # `filter` and `score` (scoring side)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.cli_scoring":
            raise
    else:
        register_scoring(verbs)
    return parser
