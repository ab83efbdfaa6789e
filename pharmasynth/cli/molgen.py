"""`pharmasynth molgen train | sample | filter | score`."""

from __future__ import annotations

from pathlib import Path

from ..errors import CheckpointError, UsageError
from ._common import model_class, parse_assignments, verb_group
from .molgen_common import add_verb, read_smiles_file
from .molgen_optimize import register_optimize
from .molgen_score import register_filter_score

DESCRIPTION = """Generate molecules and score generated libraries.

  train   SMILES file -> model folder (a SmilesVAE, fine-tuned from a shipped prior with --init, or a
          LatentDiffusion on top of a trained VAE)
  sample  shipped prior (--pretrained moses-smiles | moses-selfies) or model folder -> .smi or .csv of
          generated SMILES (optionally property-conditioned)
  filter  drug-likeness filters with the reasons each molecule was rejected
  score   MOSES and GuacaMol metrics of a generated library against reference/test sets
  refstats  reference-side statistics of a set, computed once and reused by every score
  optimize  goal-directed design: a scoring TOML or a GuacaMol task, RL / latent CMA-ES / best-of-N at a
          fixed budget of objective calls"""

TRAIN_EXAMPLE = """examples:
  pharmasynth molgen train --init moses-smiles data/moses/series.smi --epochs 5 --out my_model  # fine-tune
  pharmasynth molgen sample my_model --n 1000 --seed 0 --out series_like.smi
  pharmasynth molgen train data/moses/train.smi.gz --out models/vae --epochs 1       # from scratch
  pharmasynth molgen train data/moses/train.smi.gz --out models/vae --epochs 2 --resume  # continue
  pharmasynth molgen train data/moses/test.smi.gz --model diffusion --vae my_model \\
      --condition-on qed logp --epochs 5 --out models/ldm"""

SAMPLE_EXAMPLE = """examples:
  pharmasynth molgen sample --pretrained moses-smiles --n 10000 --seed 0 --out gen.smi
  pharmasynth molgen sample --pretrained moses-selfies --n 1000 --seed 0 --out gen_selfies.smi
  pharmasynth molgen sample --pretrained moses-smiles --n 200 --condition qed=0.8 logp=2.5 --out hits.csv"""


def _train(args) -> int:
    from ..molgen import LatentDiffusion, SmilesVAE

    smiles = read_smiles_file(args.input, args.column).smiles
    out = Path(args.out)
    if args.init:
        if args.model != "vae":
            raise UsageError("--init fine-tunes a SmilesVAE; it does not go with --model diffusion.")
        from ..molgen.finetune import fine_tune

        model = fine_tune(args.init, smiles, epochs=args.epochs, lr=args.lr or 5e-4,
                          batch_size=args.batch_size or 32, random_state=args.seed, device=args.device,
                          checkpoint_dir=out / "checkpoints")
        done = (f"SmilesVAE fine-tuned from {args.init} on {len(smiles)} SMILES, {args.epochs} epochs; last "
                f"epoch: {model.history_[-1] if model.history_ else {}}")
    elif args.model == "vae":
        model = SmilesVAE(latent_dim=args.latent_dim, hidden_dim=args.hidden_dim, max_length=args.max_length,
                          batch_size=args.batch_size or 128, epochs=args.epochs, lr=args.lr or 1e-3,
                          device=args.device, random_state=args.seed)
        model.fit(smiles, checkpoint_dir=out / "checkpoints", resume=args.resume)
        done = (f"SmilesVAE on {len(smiles)} SMILES, {model.n_steps_} steps; last epoch: "
                f"{model.history_[-1] if model.history_ else {}}")
    else:
        if not args.vae:
            raise UsageError("--model diffusion needs --vae DIR (a trained SmilesVAE folder).")
        model = LatentDiffusion(SmilesVAE.load(args.vae), condition_on=args.condition_on, epochs=args.epochs,
                                labels=args.labels, random_state=args.seed).fit(smiles)
        done = f"LatentDiffusion on {model.n_train_} molecules (conditioned on {model.condition_on})"
    model.save(out)
    print(f"trained {done}; saved to {out}")
    return 0


def _sample(args) -> int:
    from ..molgen import LatentDiffusion, SmilesVAE, write_smiles

    conditions = {k.lower(): v for k, v in parse_assignments(args.conditions, "--conditions", values="number").items()}
    if (args.model is None) == (args.pretrained is None):
        raise UsageError("give a model folder or --pretrained NAME (one of them).")
    if args.pretrained:
        from ..molgen.pretrained import load_pretrained, load_pretrained_diffusion

        if conditions:
            smiles = load_pretrained_diffusion(args.pretrained).sample(
                args.n, conditions=conditions, guidance_scale=args.guidance_scale, num_inference_steps=args.steps,
                random_state=args.seed)
        else:
            smiles = load_pretrained(args.pretrained).sample(args.n, temperature=args.temperature,
                                                             random_state=args.seed, prior=args.prior)
        write_smiles(args.out, smiles)
        print(f"wrote {len(smiles)} SMILES to {args.out}")
        return 0
    kind = model_class(args.model, "pharmasynth molgen train")
    if kind == "LatentDiffusion":
        smiles = LatentDiffusion.load(args.model).sample(args.n, conditions=conditions or None,
                                                         guidance_scale=args.guidance_scale,
                                                         num_inference_steps=args.steps, random_state=args.seed)
    elif kind == "SmilesVAE":
        if conditions:
            raise UsageError("--conditions needs a LatentDiffusion model; this folder holds a SmilesVAE.")
        model = SmilesVAE.load(args.model)
        smiles = model.sample(args.n, temperature=args.temperature, random_state=args.seed,
                              prior=args.prior or model.sample_prior)
    else:
        raise CheckpointError(f"{args.model}: holds a {kind!r}, not a SmilesVAE or LatentDiffusion.")
    write_smiles(args.out, smiles)
    print(f"wrote {len(smiles)} SMILES to {args.out}")
    return 0


def register(subparsers, name: str = "molgen", help: str | None = None):
    parser, verbs = verb_group(subparsers, name, help, DESCRIPTION, None)

    tr = add_verb(verbs, "train", _train, "train a SmilesVAE or a LatentDiffusion from a SMILES file",
               "Train a model from a SMILES file (.smi, .csv, .sdf, optionally .gz) and save it as a folder "
               "(config.json + model.safetensors; no training SMILES inside).", TRAIN_EXAMPLE)
    tr.add_argument("input", help="SMILES file (.smi, .csv, .sdf, optionally .gz)")
    tr.add_argument("--init", metavar="PRIOR",
                    help="fine-tune from a shipped prior (moses-smiles, moses-selfies) or a SmilesVAE folder "
                         "instead of training from scratch; keeps the prior's architecture and vocabulary")
    tr.add_argument("--out", required=True, help="model folder to write")
    tr.add_argument("--model", choices=["vae", "diffusion"], default="vae")
    tr.add_argument("--vae", help="trained SmilesVAE folder (for --model diffusion)")
    tr.add_argument("--column", help="SMILES column of a CSV file")
    tr.add_argument("--epochs", type=int, default=10, help="passes over the input")
    tr.add_argument("--lr", type=float, help="learning rate (default 1e-3; 5e-4 with --init)")
    tr.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints (VAE only)")
    tr.add_argument("--condition-on", "--conditions", dest="condition_on", nargs="+", default=["qed", "logp"],
                    metavar="PROPERTY", help="properties the diffusion is conditioned on: qed logp sa mw")
    tr.add_argument("--labels", choices=["decoded", "input"], default="decoded",
                    help="diffusion: label each latent with the properties of what the VAE decodes it to "
                         "(default; invalid decodings left out) or of the input molecule")
    tr.add_argument("--latent-dim", type=int, default=64, help="latent dimensions (new VAE)")
    tr.add_argument("--hidden-dim", type=int, default=256, help="GRU width (new VAE)")
    tr.add_argument("--max-length", type=int, default=100, help="longest SMILES in tokens incl. <bos>/<eos>")
    tr.add_argument("--batch-size", type=int, help="molecules per step (default 128; 32 with --init)")
    tr.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"], help="where to train")
    tr.add_argument("--seed", type=int, default=0, help="random seed")

    sa = add_verb(verbs, "sample", _sample, "sample SMILES from a trained model folder",
               "Sample SMILES from a SmilesVAE or LatentDiffusion folder. Writes .smi (one SMILES a line) or "
               ".csv (column 'smiles') atomically.", SAMPLE_EXAMPLE)
    sa.add_argument("model", nargs="?", help="model folder written by 'molgen train' (or use --pretrained)")
    sa.add_argument("--pretrained", metavar="NAME",
                    help="a prior shipped with pharmasynth: moses-smiles or moses-selfies (with --condition: "
                         "its shipped latent diffusion)")
    sa.add_argument("--n", type=int, default=1000, help="number of SMILES to draw")
    sa.add_argument("--out", required=True, help="output .smi or .csv")
    sa.add_argument("--conditions", "--condition", dest="conditions", nargs="+", metavar="NAME=VALUE",
                    help="property values to condition on, e.g. qed=0.8 logp=2.5 (diffusion)")
    sa.add_argument("--guidance-scale", type=float, default=2.0, help="classifier-free guidance (diffusion)")
    sa.add_argument("--steps", type=int, default=50, help="denoising steps (diffusion)")
    sa.add_argument("--temperature", type=float, default=1.0, help="decoder temperature (VAE)")
    sa.add_argument("--prior", choices=["aggregate", "standard"],
                    help="VAE latent prior (default: the model's own; 'standard' for the shipped priors): a "
                         "Gaussian fitted to the training encodings (more valid SMILES when the KL weight is "
                         "small) or N(0, I)")
    sa.add_argument("--seed", type=int, default=0, help="random seed")

    register_filter_score(verbs)
    register_optimize(verbs)
    return parser
