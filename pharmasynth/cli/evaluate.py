"""`pharmasynth evaluate`: score a synthetic table against the real one, from files."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """Score a synthetic table against the real table it imitates.

Four groups of metrics, one report:
  fidelity  column shapes, pair trends over all column pairs, a real-vs-synthetic detection AUC
  utility   train on synthetic / test on real vs train on real / test on real (needs --holdout, --target)
  privacy   distance to closest record, exact copies, membership and attribute inference attacks
  validity  your rules (--rules rules.toml), each also checked on the real data

Tables are CSV (optionally .gz) or Parquet with the same columns. The holdout is real records the
generator never saw. Writes OUT/report.json and OUT/report.html (atomically) and prints a summary."""

EXAMPLE = """example:
  pharmasynth evaluate --real train.csv --synthetic synth.csv --holdout holdout.csv \\
      --target cens --sensitive race --rules data/actg175/rules.toml --out out/eval

rules.toml:
  [[rules]]
  name = "adult"
  require = "age between 12 and 90"
  [[rules]]
  name = "no_pregnant_men"
  forbid = "gender == 1 and pregnant == 1"
"""


def run(args) -> int:
    from .._util.progress import progress_enabled
    from ..evaluation import evaluate
    from ._common import parse_assignments, read_input_table

    paths = {"real": args.real, "synthetic": args.synthetic, "holdout": args.holdout}
    tables = {role: read_input_table(path, role) if path else None for role, path in paths.items()}
    report = evaluate(tables["real"], tables["synthetic"], holdout=tables["holdout"], target=args.target,
                      sensitive=args.sensitive or (), rules=args.rules,
                      kinds=parse_assignments(args.kinds, "--kinds", values="text"), random_state=args.seed,
                      client=args.scheduler, title=args.title)
    report.meta["inputs"] = paths
    written = report.write(args.out)
    print(report.to_text())
    print(f"\nwrote {written['json']} and {written['html']}", file=sys.stdout if progress_enabled() else sys.stderr)
    return 0


def register(subparsers, name="evaluate", help=None):
    p = subparsers.add_parser(name, help=help, description=DESCRIPTION, epilog=EXAMPLE,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", required=True, metavar="FILE", help="real (training) table, CSV or Parquet")
    p.add_argument("--synthetic", required=True, metavar="FILE", help="synthetic table, same columns")
    p.add_argument("--holdout", metavar="FILE", help="real records the generator never saw (utility, privacy)")
    p.add_argument("--target", metavar="COL", help="column to predict for the utility check")
    p.add_argument("--sensitive", nargs="+", metavar="COL", help="columns for the attribute-inference attack")
    p.add_argument("--rules", metavar="FILE", help="validity rules, .toml or .yaml")
    p.add_argument("--kinds", nargs="+", metavar="COL=KIND",
                   help="override inferred column kinds (numeric, categorical, boolean, datetime)")
    p.add_argument("--seed", type=int, default=0, help="random_state for every sampled step (default 0)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler (tcp://HOST:PORT) for the nearest-neighbour work; default in-process "
                        "or $PHARMASYNTH_SCHEDULER")
    p.add_argument("--title", help="report title")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder for report.json and report.html")
    p.set_defaults(func=run)
    return p
