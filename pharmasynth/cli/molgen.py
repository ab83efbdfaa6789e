"""`pharmasynth molgen train | sample | filter | score`."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

from ..errors import CheckpointError, UsageError
from ._common import FORMAT, model_class, parse_assignments, verb_group

DESCRIPTION = """Generate molecules and score generated libraries.

  train   SMILES file -> model folder (a SmilesVAE, or a LatentDiffusion on top of a trained VAE)
  sample  model folder -> .smi or .csv of generated SMILES (optionally property-conditioned)
  filter  drug-likeness filters with the reasons each molecule was rejected
  score   MOSES metrics of a generated library against reference/test sets"""

TRAIN_EXAMPLE = """examples:
  pharmasynth molgen train data/moses/train.smi --out models/vae --epochs 5
  pharmasynth molgen train data/moses/train.smi --out models/vae --epochs 10 --resume   # continue
  pharmasynth molgen train data/moses/train.smi --model diffusion --vae models/vae \\
      --condition-on qed logp --out models/ldm"""

SAMPLE_EXAMPLE = """examples:
  pharmasynth molgen sample models/vae --n 10000 --out generated.smi --seed 0
  pharmasynth molgen sample models/ldm --n 2000 --conditions qed=0.8 logp=2.5 --out hits.csv"""

SCORE_EXAMPLE = """examples:
  pharmasynth molgen score generated.smi --reference data/moses/train.smi.gz \\
      --test data/moses/test.smi.gz --out out/score
  pharmasynth molgen score hits.csv --column smiles --reference train.smi.gz --test test.smi.gz \\
      --test-scaffolds data/moses/test_scaffolds.smi.gz --druglike --out out/score
  pharmasynth molgen score big.smi.gz --reference train.smi --test test.smi --scheduler tcp://head:8786 --out out/s

Writes OUT/report.json ("metrics": MOSES names -> value), OUT/report.html (metric table, property
histograms, top scaffolds), OUT/molecules.csv and OUT/molecules.sdf (one row per valid molecule:
canonical SMILES, properties, filter reasons, nearest reference molecule and its Tanimoto)."""

FILTER_EXAMPLE = """examples:
  pharmasynth molgen filter generated.smi --out druglike.csv
  pharmasynth molgen filter generated.smi --qed-min 0.5 --sa-max 4 --alerts PAINS Brenk NIH --out kept.smi
  pharmasynth molgen filter generated.smi --rules my_rules.toml --out kept.csv

A rules TOML file may hold: lipinski = true, max_lipinski_violations = 1, veber = true,
qed_min = 0.5, sa_max = 4.5, moses = false, catalogs = ["PAINS", "Brenk"],
[properties] mw = [200, 500] (ranges on mw logp qed sa hbd hba rotb tpsa rings heavy_atoms),
and [[alerts]] name = "nitro", smarts = "[N+](=O)[O-]"."""


@contextlib.contextmanager
def _printed_warnings():
    """The library's warnings (skipped records, undefined metrics) as one `warning:` line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        print(f"warning: {w.message}")


def _read(path, column=None, largest_fragment=False, neutralise=False):
    from ..molgen import read_smiles

    with _printed_warnings():
        return read_smiles(path, column=column, largest_fragment=largest_fragment, neutralise=neutralise)


def _train(args) -> int:
    from ..molgen import LatentDiffusion, SmilesVAE

    smiles = _read(args.input, args.column).smiles
    out = Path(args.out)
    if args.model == "vae":
        model = SmilesVAE(latent_dim=args.latent_dim, hidden_dim=args.hidden_dim, max_length=args.max_length,
                          batch_size=args.batch_size, epochs=args.epochs, device=args.device, random_state=args.seed)
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
    kind = model_class(args.model, "pharmasynth molgen train")
    if kind == "LatentDiffusion":
        smiles = LatentDiffusion.load(args.model).sample(args.n, conditions=conditions or None,
                                                         guidance_scale=args.guidance_scale,
                                                         num_inference_steps=args.steps, random_state=args.seed)
    elif kind == "SmilesVAE":
        if conditions:
            raise UsageError("--conditions needs a LatentDiffusion model; this folder holds a SmilesVAE.")
        smiles = SmilesVAE.load(args.model).sample(args.n, temperature=args.temperature, random_state=args.seed,
                                                    prior=args.prior)
    else:
        raise CheckpointError(f"{args.model}: holds a {kind!r}, not a SmilesVAE or LatentDiffusion.")
    write_smiles(args.out, smiles)
    print(f"wrote {len(smiles)} SMILES to {args.out}")
    return 0


def _filter_from_args(args):
    from ..molgen import DrugLikeFilter

    if args.rules:
        return DrugLikeFilter.from_toml(args.rules)
    return DrugLikeFilter(lipinski=not args.no_lipinski, veber=not args.no_veber, qed_min=args.qed_min,
                          sa_max=args.sa_max, alerts=tuple(args.alerts), moses=args.moses)


def _filter(args) -> int:
    from .._util import atomic_write_text
    from ..molgen import reason_counts, write_smiles

    res = _read(args.input, args.column, args.largest_fragment, args.neutralise)
    table = _filter_from_args(args).filter(res.smiles).assign(line=res.lines)
    if args.out.endswith((".smi", ".smi.gz", ".txt")):
        write_smiles(args.out, table.loc[table["passed"], "smiles"])
    else:
        atomic_write_text(args.out, table.drop(columns=["input"]).assign(
            reasons=table["reasons"].map("; ".join)).to_csv(index=False))
    n_pass = int(table["passed"].sum())
    print(f"{n_pass:,} of {len(table):,} molecules pass ({n_pass / max(len(table), 1):.1%}); "
          f"{len(res.skipped):,} unreadable records skipped; wrote {args.out}")
    top = reason_counts(table.loc[~table["passed"], "reasons"], top=8)
    if len(top):
        print("most common reasons:\n" + "\n".join(f"  {n:>7,}  {reason}" for reason, n in top.items()))
    return 0


def _score(args) -> int:
    from ..molgen import read_library, score_library

    with _printed_warnings():
        generated = read_library(args.generated, args.column)
    sets = {name: _read(path).smiles if path else None for name, path in
            (("reference", args.reference), ("test", args.test), ("test_scaffolds", args.test_scaffolds))}
    flt = _filter_from_args(args) if (args.druglike or args.rules) else None
    with _printed_warnings():
        res = score_library(generated, **sets, filters=flt, fcd=not args.no_fcd, client=args.scheduler,
                            device=args.device)
    res.write(args.out)
    print(res.summary().drop(columns="note").to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote {Path(args.out) / 'report.json'}, report.html, molecules.csv, molecules.sdf")
    return 0


def _add_filter_options(p):
    p.add_argument("--rules", help="TOML file with filter settings, property ranges and SMARTS alerts")
    p.add_argument("--qed-min", type=float, help="reject QED below this")
    p.add_argument("--sa-max", type=float, help="reject SA score above this (1 easy .. 10 hard)")
    p.add_argument("--alerts", nargs="*", default=["PAINS", "Brenk"], metavar="CATALOG",
                   help="RDKit FilterCatalog alert sets: PAINS PAINS_A PAINS_B PAINS_C Brenk NIH (default PAINS Brenk)")
    p.add_argument("--moses", action="store_true", help="also apply MOSES's filter set")
    p.add_argument("--no-lipinski", action="store_true", help="do not apply the rule of five")
    p.add_argument("--no-veber", action="store_true", help="do not apply Veber's rules")


def _verb(verbs, name, func, help, description, epilog=None):
    p = verbs.add_parser(name, help=help, description=description, epilog=epilog, formatter_class=FORMAT)
    p.set_defaults(func=func)
    return p


def register(subparsers, name: str = "molgen", help: str | None = None):
    parser, verbs = verb_group(subparsers, name, help, DESCRIPTION, None)

    tr = _verb(verbs, "train", _train, "train a SmilesVAE or a LatentDiffusion from a SMILES file",
               "Train a model from a SMILES file (.smi, .csv, .sdf, optionally .gz) and save it as a folder "
               "(config.json + model.safetensors; no training SMILES inside).", TRAIN_EXAMPLE)
    tr.add_argument("input", help="SMILES file")
    tr.add_argument("--out", required=True, help="model folder to write")
    tr.add_argument("--model", choices=["vae", "diffusion"], default="vae")
    tr.add_argument("--vae", help="trained SmilesVAE folder (for --model diffusion)")
    tr.add_argument("--column", help="SMILES column of a CSV file")
    tr.add_argument("--epochs", type=int, default=10)
    tr.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints (VAE only)")
    tr.add_argument("--condition-on", "--conditions", dest="condition_on", nargs="+", default=["qed", "logp"],
                    metavar="PROPERTY", help="properties the diffusion is conditioned on: qed logp sa mw")
    tr.add_argument("--labels", choices=["decoded", "input"], default="decoded",
                    help="diffusion: label each latent with the properties of what the VAE decodes it to "
                         "(default; invalid decodings left out) or of the input molecule")
    tr.add_argument("--latent-dim", type=int, default=64)
    tr.add_argument("--hidden-dim", type=int, default=256)
    tr.add_argument("--max-length", type=int, default=100)
    tr.add_argument("--batch-size", type=int, default=128)
    tr.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    tr.add_argument("--seed", type=int, default=0)

    sa = _verb(verbs, "sample", _sample, "sample SMILES from a trained model folder",
               "Sample SMILES from a SmilesVAE or LatentDiffusion folder. Writes .smi (one SMILES a line) or "
               ".csv (column 'smiles') atomically.", SAMPLE_EXAMPLE)
    sa.add_argument("model", help="model folder written by 'molgen train'")
    sa.add_argument("--n", type=int, default=1000)
    sa.add_argument("--out", required=True, help="output .smi or .csv")
    sa.add_argument("--conditions", "--condition", dest="conditions", nargs="+", metavar="NAME=VALUE",
                    help="property values to condition on, e.g. qed=0.8 logp=2.5 (diffusion)")
    sa.add_argument("--guidance-scale", type=float, default=2.0)
    sa.add_argument("--steps", type=int, default=50, help="denoising steps (diffusion)")
    sa.add_argument("--temperature", type=float, default=1.0, help="decoder temperature (VAE)")
    sa.add_argument("--prior", choices=["aggregate", "standard"], default="aggregate",
                    help="VAE latent prior: a Gaussian fitted to the training encodings (default; more valid "
                         "SMILES when the KL weight is small) or N(0, I)")
    sa.add_argument("--seed", type=int, default=0)

    fl = _verb(verbs, "filter", _filter, "drug-likeness filters, keeping every rejection's reasons",
               "Filter molecules: Lipinski, Veber, QED/SA thresholds, PAINS/Brenk/NIH alerts, MOSES filters, "
               "your own SMARTS and property ranges. Writes a CSV with a `passed` column and the reasons, or a "
               ".smi of the molecules that pass.", FILTER_EXAMPLE)
    fl.add_argument("input", help=".smi, .csv or .sdf (optionally .gz)")
    fl.add_argument("--out", required=True, help="output .csv (all molecules, with reasons) or .smi (passing only)")
    fl.add_argument("--column", help="SMILES column of a CSV file")
    fl.add_argument("--largest-fragment", action="store_true", help="keep only the largest fragment (strip salts)")
    fl.add_argument("--neutralise", action="store_true", help="neutralise charges")
    _add_filter_options(fl)

    sc = _verb(verbs, "score", _score, "MOSES metrics, filters and near copies of a generated library",
               "Score a generated library with the MOSES metrics (valid, unique@k, FCD, SNN, Frag, Scaf, IntDiv, "
               "Filters, Novelty, property distances), drug-likeness filters and a near-copy check against the "
               "reference (training) compounds.", SCORE_EXAMPLE)
    sc.add_argument("generated", help="generated SMILES (.smi/.csv/.sdf, .gz ok); invalid lines count against `valid`")
    sc.add_argument("--reference", help="training/reference molecules (novelty, near copies, utility)")
    sc.add_argument("--test", help="test molecules (FCD, SNN, Frag, Scaf, property distances)")
    sc.add_argument("--test-scaffolds", help="scaffold-split test molecules (the /TestSF metrics)")
    sc.add_argument("--out", required=True, help="output folder")
    sc.add_argument("--column", help="SMILES column of a CSV file")
    sc.add_argument("--druglike", action="store_true", help="add the drug-likeness filter's pass rate and reasons")
    sc.add_argument("--no-fcd", action="store_true", help="skip FCD (the slowest metric on a CPU)")
    sc.add_argument("--scheduler", help="Dask scheduler address for large libraries (default: in-process)")
    sc.add_argument("--device", default="cpu",
                    help="where the Tanimoto products and ChemNet run: cpu (default) or cuda")
    _add_filter_options(sc)
    return parser
