"""`pharmasynth molgen filter | score`: drug-likeness filters and the MOSES metrics of a library."""

from __future__ import annotations

from pathlib import Path

from .molgen_common import add_verb, printed_warnings, read_smiles_file

FILTER_EXAMPLE = """examples:
  pharmasynth molgen filter generated.smi --out druglike.csv
  pharmasynth molgen filter generated.smi --qed-min 0.5 --sa-max 4 --alerts PAINS Brenk NIH --out kept.smi
  pharmasynth molgen filter generated.smi --rules my_rules.toml --out kept.csv

A rules TOML file may hold: lipinski = true, max_lipinski_violations = 1, veber = true,
qed_min = 0.5, sa_max = 4.5, moses = false, catalogs = ["PAINS", "Brenk"],
[properties] mw = [200, 500] (ranges on mw logp qed sa hbd hba rotb tpsa rings heavy_atoms),
and [[alerts]] name = "nitro", smarts = "[N+](=O)[O-]"."""

SCORE_EXAMPLE = """examples:
  pharmasynth molgen score generated.smi --reference data/moses/train.smi.gz \\
      --test data/moses/test.smi.gz --out out/score
  pharmasynth molgen score hits.csv --column smiles --reference train.smi.gz --test test.smi.gz \\
      --test-scaffolds data/moses/test_scaffolds.smi.gz --druglike --out out/score
  pharmasynth molgen score big.smi.gz --reference train.smi --test test.smi --scheduler tcp://head:8786 --out out/s

Writes OUT/report.json ("metrics": MOSES names -> value), OUT/report.html (metric table, property
histograms, top scaffolds), OUT/molecules.csv and OUT/molecules.sdf (one row per valid molecule:
canonical SMILES, properties, filter reasons, nearest reference molecule and its Tanimoto)."""


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


def _score(args) -> int:
    from ..molgen import read_library, score_library

    with printed_warnings():
        generated = read_library(args.generated, args.column)
    sets = {name: read_smiles_file(path).smiles if path else None for name, path in
            (("reference", args.reference), ("test", args.test), ("test_scaffolds", args.test_scaffolds))}
    flt = _filter_from_args(args) if (args.druglike or args.rules) else None
    with printed_warnings():
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


def register_filter_score(verbs):
    """Add the `filter` and `score` verbs to the molgen verb group."""
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

    sc = add_verb(verbs, "score", _score, "MOSES metrics, filters and near copies of a generated library",
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
