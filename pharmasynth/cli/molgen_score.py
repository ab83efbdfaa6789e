"""`pharmasynth molgen filter | score | refstats`: drug-likeness filters, the MOSES and GuacaMol metrics of a
library, and the reference side of scoring computed once into a file."""

from __future__ import annotations

from pathlib import Path

from .molgen_common import add_verb, printed_warnings, read_smiles_file

FILTER_EXAMPLE = """examples:
  pharmasynth molgen sample --pretrained moses-smiles --n 1000 --seed 0 --out generated.smi
  pharmasynth molgen filter generated.smi --out druglike.csv
  pharmasynth molgen filter generated.smi --qed-min 0.5 --sa-max 4 --alerts PAINS Brenk NIH --out kept.smi
  pharmasynth molgen filter generated.smi --rules data/moses/druglike_rules.toml --out kept.csv

A rules TOML file may hold: lipinski = true, max_lipinski_violations = 1, veber = true,
qed_min = 0.5, sa_max = 4.5, moses = false, catalogs = ["PAINS", "Brenk"],
[properties] mw = [200, 500] (ranges on mw logp qed sa hbd hba rotb tpsa rings heavy_atoms),
and [[alerts]] name = "nitro", smarts = "[N+](=O)[O-]"."""

SCORE_EXAMPLE = """examples:
  pharmasynth molgen score data/moses/test_scaffolds.smi.gz --reference data/moses/train.smi.gz \\
      --test data/moses/test.smi.gz --out score
  pharmasynth molgen refstats --reference data/moses/train.smi.gz --test data/moses/test.smi.gz \\
      --out moses_stats.npz
  pharmasynth molgen score data/moses/test_scaffolds.smi.gz --reference-stats moses_stats.npz \\
      --druglike --expected-fcd 0.9 --out score2
  pharmasynth molgen score big.smi.gz --reference-stats moses_stats.npz --scheduler tcp://head:8786 \\
      --out s   # not run in tests: needs a Dask scheduler

Writes OUT/report.json ("metrics": MOSES names and guacamol/KL_score, guacamol/FCD_score,
guacamol/validity, guacamol/uniqueness, guacamol/novelty -> value; "lead": what to look at first),
OUT/report.html, OUT/molecules.csv and OUT/molecules.sdf (one row per valid molecule: canonical
SMILES, properties, filter reasons, nearest reference molecule and its Tanimoto).
The reference side (features of the reference and test sets, ChemNet statistics) is computed once
per set and cached by content hash in $PHARMASYNTH_REFSTATS_DIR (default ~/.cache/pharmasynth/
refstats): scoring a second library against the same files only featurises the library."""

REFSTATS_EXAMPLE = """examples:
  pharmasynth molgen refstats --reference data/moses/train.smi.gz --test data/moses/test.smi.gz \\
      --test-scaffolds data/moses/test_scaffolds.smi.gz --out moses_stats.npz
  pharmasynth molgen score data/moses/test_scaffolds.smi.gz --reference-stats moses_stats.npz --out score

The file (.npz, read without pickle) holds the reference set's canonical SMILES and fingerprints,
the test sets' features and ChemNet statistics, and GuacaMol's training-side statistics: share it
as you would share the reference set itself."""


def _filter_from_args(args):
    from ..molgen import DrugLikeFilter

    if args.rules:
        return DrugLikeFilter.from_toml(args.rules)
    return DrugLikeFilter(lipinski=not args.no_lipinski, veber=not args.no_veber, qed_min=args.qed_min,
                          sa_max=args.sa_max, alerts=tuple(args.alerts), moses=args.moses)


def _filter(args) -> int:
    from .._util import atomic_write_text
    from ..molgen import reason_counts, write_smiles

    res = read_smiles_file(args.input, args.column, args.largest_fragment, args.neutralise)
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


def _cache_arg(args):
    return False if args.no_cache else (args.cache_dir or True)


def _score(args) -> int:
    from ..molgen import read_library, score_library

    with printed_warnings():
        generated = read_library(args.generated, args.column)
    sets = {name: read_smiles_file(path).smiles if path else None for name, path in
            (("reference", args.reference), ("test", args.test), ("test_scaffolds", args.test_scaffolds))}
    flt = _filter_from_args(args) if (args.druglike or args.rules) else None
    expected = {"FCD/Test": args.expected_fcd} if args.expected_fcd is not None else None
    with printed_warnings():
        res = score_library(generated, **sets, filters=flt, fcd=not args.no_fcd, client=args.scheduler,
                            device=_device(args.device), guacamol=not args.no_guacamol, guacamol_samples=args.guacamol_samples,
                            reference_stats=args.reference_stats, cache=_cache_arg(args), expected=expected)
    res.write(args.out)
    print(res.to_report().answer().to_text())
    print(res.summary().drop(columns="note").to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"reference statistics: {res.notes.get('reference_statistics', '')}")
    print(f"wrote {Path(args.out) / 'report.json'}, report.html, molecules.csv, molecules.sdf")
    return 0


def _refstats(args) -> int:
    from ..molgen.reference_side import write_reference_stats

    sets = {name: read_smiles_file(path).smiles if path else None for name, path in
            (("reference", args.reference), ("test", args.test), ("test_scaffolds", args.test_scaffolds))}
    if not any(v is not None for v in sets.values()):
        from ..errors import UsageError
        raise UsageError("give at least one of --reference, --test, --test-scaffolds.")
    with printed_warnings():
        path = write_reference_stats(args.out, **sets, fcd=not args.no_fcd, client=args.scheduler,
                                     guacamol_samples=None if args.no_guacamol else args.guacamol_samples,
                                     cache=_cache_arg(args), device=_device(args.device))
    held = ", ".join(f"{k} ({len(v):,} SMILES)" for k, v in sets.items() if v is not None)
    print(f"wrote {path}: {held}; pass it to `pharmasynth molgen score --reference-stats {path}`")
    return 0


def _add_reference_side_options(p):
    p.add_argument("--no-fcd", action="store_true", help="skip FCD (the slowest metric on a CPU)")
    p.add_argument("--no-guacamol", action="store_true",
                   help="skip GuacaMol's distribution-learning scores (KL, FCD score, validity, uniqueness, novelty)")
    p.add_argument("--guacamol-samples", type=int, default=10_000, metavar="N",
                   help="GuacaMol's sample size n (its default 10,000; the library's size when smaller)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="where reference statistics are cached (default: $PHARMASYNTH_REFSTATS_DIR, else "
                        "~/.cache/pharmasynth/refstats)")
    p.add_argument("--no-cache", action="store_true", help="compute the reference side for this run only")
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address for large sets (default: in-process)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"),
                   help="where the Tanimoto products and ChemNet run (auto: cuda when available)")


def _device(name: str) -> str:
    """`auto` -> cuda when a GPU is visible, else cpu (the scorer takes a concrete torch device name)."""
    if name != "auto":
        return name
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _add_filter_options(p):
    p.add_argument("--rules", help="TOML file with filter settings, property ranges and SMARTS alerts")
    p.add_argument("--qed-min", type=float, help="reject QED below this")
    p.add_argument("--sa-max", type=float, help="reject SA score above this (1 easy .. 10 hard)")
    p.add_argument("--alerts", nargs="*", default=["PAINS", "Brenk"], metavar="CATALOG",
                   help="RDKit FilterCatalog alert sets: PAINS PAINS_A PAINS_B PAINS_C Brenk NIH (default PAINS Brenk)")
    p.add_argument("--moses", action="store_true", help="also apply MOSES's filter set")
    p.add_argument("--no-lipinski", action="store_true", help="do not apply the rule of five")
    p.add_argument("--no-veber", action="store_true", help="do not apply Veber's rules")


def register_filter_score(verbs):
    """Add the `filter`, `score` and `refstats` verbs to the molgen verb group."""
    fl = add_verb(verbs, "filter", _filter, "drug-likeness filters, keeping every rejection's reasons",
               "Filter molecules: Lipinski, Veber, QED/SA thresholds, PAINS/Brenk/NIH alerts, MOSES filters, "
               "your own SMARTS and property ranges. Writes a CSV with a `passed` column and the reasons, or a "
               ".smi of the molecules that pass.", FILTER_EXAMPLE)
    fl.add_argument("input", help=".smi, .csv or .sdf (optionally .gz)")
    fl.add_argument("--out", required=True, help="output .csv (all molecules, with reasons) or .smi (passing only)")
    fl.add_argument("--column", help="SMILES column of a CSV file")
    fl.add_argument("--largest-fragment", action="store_true", help="keep only the largest fragment (strip salts)")
    fl.add_argument("--neutralise", action="store_true", help="neutralise charges")
    _add_filter_options(fl)

    sc = add_verb(verbs, "score", _score, "MOSES and GuacaMol metrics, filters and near copies of a library",
               "Score a generated library with the MOSES metrics (valid, unique@k, FCD, SNN, Frag, Scaf, IntDiv, "
               "Filters, Novelty, property distances), GuacaMol's distribution-learning scores (KL, FCD score, "
               "validity, uniqueness, novelty), drug-likeness filters and a near-copy check against the "
               "reference (training) compounds. The report leads with what to look at first.", SCORE_EXAMPLE)
    sc.add_argument("generated", help="generated SMILES (.smi/.csv/.sdf, .gz ok); invalid lines count against `valid`")
    sc.add_argument("--reference", help="training/reference molecules (novelty, near copies, utility)")
    sc.add_argument("--test", help="test molecules (FCD, SNN, Frag, Scaf, property distances)")
    sc.add_argument("--test-scaffolds", help="scaffold-split test molecules (the /TestSF metrics)")
    sc.add_argument("--out", required=True, help="output folder")
    sc.add_argument("--column", help="SMILES column of a CSV file")
    sc.add_argument("--druglike", action="store_true", help="add the drug-likeness filter's pass rate and reasons")
    sc.add_argument("--reference-stats", metavar="FILE",
                    help="reference-side statistics written by `pharmasynth molgen refstats` (instead of, or checked "
                         "against, --reference / --test / --test-scaffolds)")
    sc.add_argument("--expected-fcd", type=float, metavar="X",
                    help="the FCD/Test a prior's model card gives: the report flags a value far from it")
    _add_reference_side_options(sc)
    _add_filter_options(sc)

    rs = add_verb(verbs, "refstats", _refstats, "compute the reference side of scoring once, into a file",
                  "Featurise reference (training), test and scaffold-test molecules once — fingerprints, fragments, "
                  "scaffolds, properties, ChemNet statistics, GuacaMol's training-side statistics — and write them "
                  "to one .npz file that `molgen score --reference-stats FILE` reads instead of the sets.",
                  REFSTATS_EXAMPLE)
    rs.add_argument("--reference", metavar="FILE", help="training/reference molecules (.smi/.csv/.sdf, .gz ok)")
    rs.add_argument("--test", metavar="FILE", help="test molecules")
    rs.add_argument("--test-scaffolds", metavar="FILE", help="scaffold-split test molecules")
    rs.add_argument("--out", required=True, metavar="FILE", help="output .npz file")
    _add_reference_side_options(rs)
