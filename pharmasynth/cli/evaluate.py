"""`pharmasynth evaluate`: score a synthetic table against the real one, from files."""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import FORMAT

DESCRIPTION = """Score a synthetic table against the real table it imitates.

Four groups of metrics, one report:
  fidelity  column shapes, pair trends over all column pairs, a real-vs-synthetic detection AUC
  utility   train on synthetic / test on real vs train on real / test on real (needs --holdout, --target)
  privacy   distance to closest record, exact copies, membership attacks, anonymeter's singling-out,
            linkability and inference risks (need --holdout), k-anonymity and identifiability
            (--quasi-identifiers)
  validity  values inside the real ranges and categories, date order, your rules (--rules rules.toml)

The headline: an overall score only when every weighted group was scored (else "no overall score"
says which group is missing and why, and a partial score is shown as such); and privacy gates that
no average can outvote - exact copies above the real base rate, a membership attack whose AUC CI lies
above 0.55, a detection AUC far below 0.5. --calibrate also scores an independent real sample, copies
of training rows, a column-shuffled table and independent marginals made from YOUR real data, and
places the synthetic table between those floors and that ceiling.

Tables are CSV (optionally .gz) or Parquet with the same columns. The holdout is real records the
generator never saw. Writes OUT/report.json and OUT/report.html (atomically) and prints a summary.

exit codes:
  0  report written; no gate failed (and the score reached --fail-under, when given)
  1  error: unreadable input, bad options (nothing computed) or a failed run; an earlier report in
     --out is renamed report.stale.json / report.stale.html with a STALE.txt saying why
  2  malformed command line
  3  report written, and a privacy gate FAILED
  4  report written, and the overall score is below --fail-under
  5  report written, --fail-under given, but there is no overall score (a weighted group is missing)"""

EXAMPLE = """example: a copula fitted on the shipped ACTG 175 table (no holdout, so utility is opted out)
  pharmasynth tabular fit data/actg175/actg175.csv --out out/copula
  pharmasynth tabular sample out/copula --n 2000 --out out/synth
  pharmasynth evaluate --real data/actg175/actg175.csv --synthetic out/synth/samples.csv \\
      --sensitive race --quasi-identifiers age gender race --rules data/actg175/rules.toml \\
      --weights utility=0 --calibrate --fail-under 0.8 --out out/eval

with a holdout (real rows the generator never saw), every group is scored; `tabular fit --holdout`
keeps one out and runs this evaluation on it (out/copula_holdout/report.html):
  pharmasynth tabular fit data/actg175/actg175.csv --holdout 0.3 --target cens --out out/copula_holdout
with your own split, the same as: evaluate --real TRAIN --synthetic FILE --holdout HOLDOUT --target cens

rules.toml:
  [[rules]]
  name = "adult"
  require = "age between 12 and 90"
  [[rules]]
  name = "no_pregnant_men"
  forbid = "gender == 1 and pregnant == 1"
"""

EXIT_GATE_FAILED, EXIT_BELOW_THRESHOLD, EXIT_NO_SCORE = 3, 4, 5
STALE_STEMS = ("report",)


def check_out_dir(out) -> Path:
    """--out must be a folder (or not exist yet): checked before any computing."""
    from ..errors import UsageError

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for report.json and report.html.")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise UsageError(f"--out {out}: {parent} is a file, so the folder cannot be created.")
    return out


def mark_stale(out: Path, error: BaseException) -> list[Path]:
    """After a failed run: rename an earlier report in `out` to report.stale.* and say why in STALE.txt."""
    import datetime as dt

    from .._util.atomic import atomic_write_text

    moved = []
    for stem in STALE_STEMS:
        for ext in ("json", "html"):
            p = out / f"{stem}.{ext}"
            if p.is_file():
                target = out / f"{stem}.stale.{ext}"
                p.replace(target)
                moved.append(target)
    if moved:
        when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        atomic_write_text(out / "STALE.txt", f"The pharmasynth evaluate run of {when} into this folder failed:\n"
                          f"  {type(error).__name__}: {error}\nThe files {', '.join(p.name for p in moved)} are from an "
                          "EARLIER run and do not describe the inputs of the failed one.\n")
    return moved


def file_sha256(path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def exit_code(report, fail_under: float | None) -> int:
    if report.passed is False:
        return EXIT_GATE_FAILED
    if fail_under is not None:
        score = report.score()
        if score is None:
            return EXIT_NO_SCORE
        if score < fail_under:
            return EXIT_BELOW_THRESHOLD
    return 0


def run(args) -> int:
    from .._util.progress import progress_enabled
    from ..errors import UsageError
    from ..evaluation import evaluate
    from ._common import parse_assignments, read_input_table
    from .evaluate_columns import column_options

    out = check_out_dir(args.out)
    if args.fail_under is not None and not 0.0 <= args.fail_under <= 1.0:
        raise UsageError(f"--fail-under {args.fail_under}: a score threshold is between 0 and 1.")
    weights = parse_assignments(args.weights, "--weights", values="number")
    from ..evaluation.metric import GROUPS

    bad = sorted(k for k, w in weights.items() if k not in GROUPS or w < 0)
    if bad:
        raise UsageError(f"--weights {' '.join(args.weights)}: unknown group(s) or negative weight {bad}; the groups "
                         f"are {', '.join(GROUPS)}, each weight >= 0.")
    try:
        paths = {"real": args.real, "synthetic": args.synthetic, "holdout": args.holdout}
        tables = {role: read_input_table(path, role) if path else None for role, path in paths.items()}
        report = evaluate(tables["real"], tables["synthetic"], holdout=tables["holdout"], target=args.target,
                          sensitive=args.sensitive or (), quasi_identifiers=args.quasi_identifiers or (),
                          rules=args.rules, kinds=parse_assignments(args.kinds, "--kinds", values="text"),
                          columns=column_options(args), random_state=args.seed, client=args.scheduler,
                          title=args.title, group_weights=weights or None, calibrate=args.calibrate)
    except BaseException as exc:
        mark_stale(out, exc)
        raise
    report.meta["inputs"] = {role: None if p is None else {"path": str(p), "sha256": file_sha256(p)}
                             for role, p in paths.items()}
    for stale in ("report.stale.json", "report.stale.html", "STALE.txt"):
        (out / stale).unlink(missing_ok=True)   # a successful run replaces what a failed one marked
    written = report.write(out)
    print(report.to_text())
    code = exit_code(report, args.fail_under)
    print(f"\nwrote {written['json']} and {written['html']}" + (f"; exit code {code}" if code else ""),
          file=sys.stdout if progress_enabled() else sys.stderr)
    return code


def register(subparsers, name="evaluate", help=None):
    from .evaluate_columns import add_column_options

    p = subparsers.add_parser(name, help=help, description=DESCRIPTION, epilog=EXAMPLE, formatter_class=FORMAT)
    p.add_argument("--real", required=True, metavar="FILE", help="real (training) table, CSV or Parquet")
    p.add_argument("--synthetic", required=True, metavar="FILE", help="synthetic table, same columns")
    p.add_argument("--holdout", metavar="FILE", help="real records the generator never saw (utility, privacy)")
    p.add_argument("--target", metavar="COL", help="column to predict for the utility check")
    p.add_argument("--sensitive", nargs="+", metavar="COL",
                   help="columns an attacker may try to infer (attribute inference, anonymeter inference risk)")
    p.add_argument("--quasi-identifiers", nargs="+", metavar="COL",
                   help="columns an attacker may know (k-anonymity, l-diversity, identifiability)")
    p.add_argument("--rules", metavar="FILE", help="validity rules, .toml or .yaml")
    p.add_argument("--kinds", nargs="+", metavar="COL=KIND",
                   help="override inferred column kinds (numeric, categorical, boolean, datetime)")
    add_column_options(p)
    p.add_argument("--weights", nargs="+", metavar="GROUP=W",
                   help="group weights in the overall score (default fidelity=0.25 utility=0.25 privacy=0.25 "
                        "validity=0.25); a group with weight 0 is not required for an overall score")
    p.add_argument("--calibrate", action="store_true",
                   help="also score an independent real sample, copies, a column-shuffled table and independent "
                        "marginals made from the real data (about 4 more runs on at most 2,000 rows each; default off)")
    p.add_argument("--fail-under", type=float, metavar="SCORE",
                   help="exit 4 when the overall score is below SCORE, 5 when there is none (default: no threshold; "
                        "a failed gate always exits 3)")
    p.add_argument("--seed", type=int, default=0, help="random_state for every sampled step")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler (tcp://HOST:PORT) for the nearest-neighbour work; default in-process "
                        "or $PHARMASYNTH_SCHEDULER")
    p.add_argument("--title", help="report title (default: pharmasynth evaluation report)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder for report.json and report.html")
    p.set_defaults(func=run)
    return p
