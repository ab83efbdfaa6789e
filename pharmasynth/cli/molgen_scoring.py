"""`pharmasynth molgen filter` and `pharmasynth molgen score`."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

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


def _read(path, column, args):
    from ..molgen.io import read_smiles

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = read_smiles(path, column=column, largest_fragment=getattr(args, "largest_fragment", False),
                          neutralise=getattr(args, "neutralise", False))
    for w in caught:
        print(f"warning: {w.message}")
    return res


def _read_raw(path, column):
    """Every record of a generated library as written (invalid ones kept: validity is a metric)."""
    import csv
    import gzip

    from ..errors import InputFileError

    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".sdf"):
        res = _read(path, column, argparse.Namespace())
        return res.smiles + [""] * len(res.skipped)  # broken SDF records count as invalid
    opener = gzip.open if path.name.endswith(".gz") else open
    out = []
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        if name.endswith((".csv", ".tsv")):
            reader = csv.reader(fh, delimiter="\t" if name.endswith(".tsv") else ",")
            header = next(reader, [])
            col = column or next((c for c in ("smiles", "SMILES", "canonical_smiles") if c in header), None)
            if col not in header:
                raise InputFileError(f"{path}: no SMILES column {column or 'smiles'!r} in {header}; pass --column.")
            j = header.index(col)
            out = [row[j].strip() if j < len(row) else "" for row in reader if row]
        else:
            for i, line in enumerate(fh):
                tok = line.strip().split()[0] if line.strip() else None
                if tok is None or (i == 0 and tok.lower() == "smiles"):
                    continue
                out.append(tok)
    if not out:
        raise InputFileError(f"{path}: the file holds no SMILES.")
    return out


def _filter_from_args(args):
    from ..molgen.filters import DrugLikeFilter

    if args.rules:
        return DrugLikeFilter.from_toml(args.rules)
    return DrugLikeFilter(lipinski=not args.no_lipinski, veber=not args.no_veber, qed_min=args.qed_min,
                          sa_max=args.sa_max, alerts=tuple(args.alerts), moses=args.moses)


def _filter(args) -> int:
    import pandas as pd

    from .._util import atomic_write_text

    res = _read(args.input, args.column, args)
    flt = _filter_from_args(args)
    table = flt.filter(res.smiles)
    table["line"] = res.lines
    table["reasons"] = table["reasons"].map("; ".join)
    out = Path(args.out)
    if out.name.endswith((".smi", ".smi.gz", ".txt")):
        kept = table.loc[table["passed"], "smiles"]
        atomic_write_text(out, "".join(f"{s}\n" for s in kept))
    else:
        atomic_write_text(out, pd.DataFrame(table).drop(columns=["input"]).to_csv(index=False))
    n_pass = int(table["passed"].sum())
    print(f"{n_pass:,} of {len(table):,} molecules pass ({n_pass / max(len(table), 1):.1%}); "
          f"{len(res.skipped):,} unreadable records skipped; wrote {out}")
    top = pd.Series([r for rs in table.loc[~table["passed"], "reasons"] for r in rs.split("; ") if r])
    if len(top):
        print("most common reasons:")
        for reason, n in top.str.replace(r"\s[\d.]+.*$", "", regex=True).value_counts().head(8).items():
            print(f"  {n:>7,}  {reason}")
    return 0


def _score(args) -> int:
    from ..molgen.scoring import score_library

    gen = _read_raw(args.generated, args.column)
    reference = _read(args.reference, None, args).smiles if args.reference else None
    test = _read(args.test, None, args).smiles if args.test else None
    test_sf = _read(args.test_scaffolds, None, args).smiles if args.test_scaffolds else None
    flt = _filter_from_args(args) if (args.druglike or args.rules) else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = score_library(gen, reference=reference, test=test, test_scaffolds=test_sf, filters=flt,
                            fcd=not args.no_fcd, scheduler=args.scheduler)
    for w in caught:
        print(f"warning: {w.message}")
    res.save(args.out)
    print(res.table().drop(columns="note").to_string(index=False, float_format=lambda v: f"{v:.4f}"))
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


def register_scoring(verbs):
    fl = verbs.add_parser("filter", help="drug-likeness filters, keeping every rejection's reasons",
                          description="Filter molecules: Lipinski, Veber, QED/SA thresholds, PAINS/Brenk/NIH "
                          "alerts, MOSES filters, your own SMARTS and property ranges. Writes a CSV with a "
                          "`passed` column and the reasons, or a .smi of the molecules that pass.",
                          epilog=FILTER_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    fl.add_argument("input", help=".smi, .csv or .sdf (optionally .gz)")
    fl.add_argument("--out", required=True, help="output .csv (all molecules, with reasons) or .smi (passing only)")
    fl.add_argument("--column", help="SMILES column of a CSV file")
    fl.add_argument("--largest-fragment", action="store_true", help="keep only the largest fragment (strip salts)")
    fl.add_argument("--neutralise", action="store_true", help="neutralise charges")
    _add_filter_options(fl)
    fl.set_defaults(func=_filter)

    sc = verbs.add_parser("score", help="MOSES metrics, filters and near copies of a generated library",
                          description="Score a generated library with the MOSES metrics (valid, unique@k, FCD, SNN, "
                          "Frag, Scaf, IntDiv, Filters, Novelty, property distances), drug-likeness filters and a "
                          "near-copy check against the reference (training) compounds.",
                          epilog=SCORE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    sc.add_argument("generated", help="generated SMILES (.smi/.csv/.sdf, .gz ok); invalid lines count against `valid`")
    sc.add_argument("--reference", help="training/reference molecules (novelty, near copies, utility)")
    sc.add_argument("--test", help="test molecules (FCD, SNN, Frag, Scaf, property distances)")
    sc.add_argument("--test-scaffolds", help="scaffold-split test molecules (the /TestSF metrics)")
    sc.add_argument("--out", required=True, help="output folder")
    sc.add_argument("--column", help="SMILES column of a CSV file")
    sc.add_argument("--druglike", action="store_true", help="add the drug-likeness filter's pass rate and reasons")
    sc.add_argument("--no-fcd", action="store_true", help="skip FCD (the slowest metric on a CPU)")
    sc.add_argument("--scheduler", help="Dask scheduler address for large libraries (default: in-process)")
    _add_filter_options(sc)
    sc.set_defaults(func=_score)
