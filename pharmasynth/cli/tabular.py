"""`pharmasynth tabular fit | sample`: synthetic tables from a GaussianCopula or a TabularVAE."""

from __future__ import annotations

from pathlib import Path

from ._common import FORMAT, verb_group, with_csv_lines

DESCRIPTION = """Synthetic tables (patients, registries, EHR extracts) with the same columns and dtypes as the real one.

  fit     fit a GaussianCopula (exact conditional sampling) or a TabularVAE (torch) on a table and save
          it to OUT/model (JSON + safetensors, no records); with --holdout, evaluate it on held-out rows
  sample  synthetic rows from a saved model, with fixed values (--conditions) and validity rules (--rules)

Every verb writes JSON (atomically) into its --out folder."""

EXAMPLE = """example (ACTG 175):
  pharmasynth tabular fit data/actg175/actg175.csv --model copula --holdout 0.3 --out out/copula
  pharmasynth tabular sample out/copula/model --n 10000 --conditions race=1 \\
      --rules data/actg175/rules.toml --out out/synth
"""

TABLE_MODELS = ("GaussianCopula", "TabularVAE")


def fit_table(args, model: str) -> int:
    """Fit `model` ("copula" or "vae") on args.data; what `tabular fit` and `trials fit --kind` do."""
    from ..tabular import fit_synthesizer
    from ._common import filter_rows, read_input_table

    df = filter_rows(read_input_table(args.data, "training"), args.where, args.data)
    ids = getattr(args, "table_ids", None)
    settings = {"ids": tuple(ids)} if ids else {}
    fit = fit_synthesizer(df, model, columns=args.columns, holdout=args.holdout, rules=args.rules,
                          target=getattr(args, "target", None), random_state=args.seed, **settings, meta={"data": args.data, "where": args.where},
                          **({"epochs": args.epochs} if model == "vae" else {}))
    paths = fit.write(args.out)
    print(f"written: {paths['model']}, {paths['fit']}" + (", report.html" if "html" in paths else ""))
    return 0


def sample_table(args) -> int:
    """Synthetic rows from a saved GaussianCopula or TabularVAE folder; what `tabular sample` does."""
    from .._util.atomic import atomic_write_json, atomic_write_text
    from ..tabular import load_synthesizer
    from ._common import model_folder, parse_assignments

    if args.n is None:
        from ..errors import UsageError

        raise UsageError("give --n, the number of synthetic rows.")
    model = load_synthesizer(model_folder(args.model))
    rows = model.sample(args.n, conditions=parse_assignments(args.conditions, "--conditions"), rules=args.rules,
                        random_state=args.seed)
    out = Path(args.out)
    atomic_write_text(out / "samples.csv", rows.to_csv(index=False))
    atomic_write_json(out / "sample.json", {"model": args.model, "class": type(model).__name__, "rows": len(rows),
                                            "sampling": model.sampling_report_, "csv": str(out / "samples.csv")})
    print(f"written: {out / 'samples.csv'}, {out / 'sample.json'}")
    return 0


@with_csv_lines
def _fit(args) -> int:
    return fit_table(args, args.model)


@with_csv_lines
def _sample(args) -> int:
    return sample_table(args)


def add_fit_options(p) -> None:
    """The options of fitting a table model (shared with `trials fit --kind copula|vae`)."""
    p.add_argument("--where", metavar="EXPR", help="keep rows where EXPR holds (rules language), e.g. \"arms == 0\"")
    p.add_argument("--columns", nargs="+", metavar="COL", help="columns to model (default all)")
    p.add_argument("--epochs", type=int, default=30, help="vae: training epochs (default 30)")
    p.add_argument("--rules", metavar="FILE", help="rules checked in the holdout evaluation (.toml/.yaml)")
    p.add_argument("--holdout", type=float, default=0.0, metavar="FRAC",
                   help="fraction of rows kept out for validation (default 0: none)")
    p.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")


def add_table_fit_options(p) -> None:
    """What only `tabular fit` has (`trials fit` has its own --id, the patient column of a twin)."""
    p.add_argument("--target", metavar="COL",
                   help="column the holdout evaluation's utility check predicts (without it the report has "
                        "no overall score, only a partial one)")
    p.add_argument("--id", nargs="+", default=[], metavar="COL", dest="table_ids",
                   help="identifier columns: not modelled, re-issued as fresh values in samples "
                        "(unique row numbers, UUIDs and accession-like codes are detected anyway)")


def add_sample_options(p) -> None:
    """The options of sampling a table model (shared with `trials sample`)."""
    p.add_argument("--n", type=int, help="number of synthetic rows")
    p.add_argument("--conditions", nargs="+", metavar="COL=VALUE", help="fixed values, e.g. race=1")
    p.add_argument("--rules", metavar="FILE", help="validity rules enforced at sampling (.toml/.yaml)")


def register(subparsers, name="tabular", help=None):
    p, verbs = verb_group(subparsers, name, help, DESCRIPTION, EXAMPLE)
    f = verbs.add_parser("fit", help="fit a GaussianCopula or TabularVAE on a table", epilog=EXAMPLE,
                         formatter_class=FORMAT, description="Fit a model on a table and save it to OUT/model "
                         "(config.json + model.safetensors). With --holdout, a fraction is kept out and the synthetic "
                         "rows are evaluated against it: OUT/report.html and OUT/report.json. Writes OUT/fit.json.")
    f.add_argument("data", help="training table (CSV or Parquet)")
    f.add_argument("--model", choices=["copula", "vae"], default="copula",
                   help="copula: GaussianCopula; vae: TabularVAE (default copula)")
    add_fit_options(f)
    add_table_fit_options(f)
    f.set_defaults(func=_fit)

    s = verbs.add_parser("sample", help="synthetic rows from a saved model",
                         description="--n synthetic rows from a model folder, with --conditions and --rules. "
                                     "Writes OUT/samples.csv and OUT/sample.json.", epilog=EXAMPLE,
                         formatter_class=FORMAT)
    s.add_argument("model", metavar="MODEL", help="the --out folder of `tabular fit` (or its model/)")
    add_sample_options(s)
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--out", required=True, metavar="DIR", help="output folder")
    s.set_defaults(func=_sample)
    return p
