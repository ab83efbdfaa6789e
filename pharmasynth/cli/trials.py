"""`pharmasynth trials fit | sample | control-arm | analyze | simulate`."""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import FORMAT, verb_group, with_csv_lines
from .tabular import TABLE_MODELS, add_fit_options, add_sample_options, fit_table, sample_table

DESCRIPTION = """Digital twins, synthetic control arms, PROCOVA and trial simulation.

  fit          fit a DigitalTwin (trajectories under control) on a CSV, save it to a folder (JSON +
               safetensors, no patient records); --kind copula|vae fits a synthetic-table model
               (the command for tables is `pharmasynth tabular`)
  sample       twin trajectories for given patients (or rows from a copula / VAE folder)
  control-arm  the twin's counterfactual control arm for enrolled patients (+ a propensity-score
               external control from historical patients, for comparison)
  analyze      unadjusted / ANCOVA / PROCOVA analysis of a trial (+ KM, log-rank, Cox, RMST)
  simulate     type I error and power of designs, from thousands of trials simulated from a twin

Every verb writes JSON (atomically) into its --out folder."""

# Each verb's examples start with the `fit` they need, so any one help page runs as written.
FIT_EXAMPLE = """  pharmasynth trials fit data/actg175/actg175.csv --kind twin --where "arms == 0" \\
      --baseline age wtkg hemo homo drugs karnof oprior z30 preanti race gender str2 symptom cd40 cd80 \\
      --visits cd420 cd496 --time days --event cens --id pidnum --holdout 0.3 --out out/twin"""
HEADER = "examples (ACTG 175: the ZDV-only patients, arms 0, are the historical controls):\n"
SAMPLE_EXAMPLE = """  pharmasynth trials sample out/twin --baseline-table data/actg175/actg175.csv --where "arms == 1" \\
      --n-draws 10 --out out/twin_draws"""
CONTROL_EXAMPLE = """  pharmasynth trials control-arm out/twin data/actg175/actg175.csv --where "arms == 1" \\
      --outcome cd420 --n-draws 20 --out out/control_arm
  pharmasynth trials control-arm out/twin data/actg175/actg175.csv --where "arms == 1" \\
      --historical data/actg175/actg175.csv --historical-where "arms == 0" --covariates age cd40 karnof \\
      --method weighting --out out/external_control"""
EXAMPLE = HEADER + "\n".join([FIT_EXAMPLE, SAMPLE_EXAMPLE, CONTROL_EXAMPLE]) + """
`trials fit` prints the folder to give as --twin (OUT/model; OUT itself is accepted too).
"""
FIT_EPILOG = HEADER + FIT_EXAMPLE + """
  pharmasynth trials fit data/actg175/actg175.csv --kind copula --holdout 0.3 --out out/actg_copula

prints the folder to give to --twin of analyze, simulate and design, and to sample / control-arm
(OUT/model; the --out folder itself is accepted too)."""
SAMPLE_EPILOG = HEADER + FIT_EXAMPLE + "\n" + SAMPLE_EXAMPLE
CONTROL_EPILOG = HEADER + FIT_EXAMPLE + "\n" + CONTROL_EXAMPLE

TABLES_NOTE = "note: `pharmasynth tabular fit | sample` is the command for synthetic tables (copula, VAE)."


@with_csv_lines
def _fit(args) -> int:
    from ..errors import UsageError
    from ..trials import fit_twin
    from ._common import filter_rows, read_input_table

    if args.kind != "twin":
        print(TABLES_NOTE, file=sys.stderr)
        return fit_table(args, args.kind)
    df = filter_rows(read_input_table(args.data, "training"), args.where, args.data)
    if not args.baseline or not (args.visits or args.time):
        raise UsageError("--kind twin needs --baseline and --visits (and/or --time/--event).")
    fit = fit_twin(df, baseline=args.baseline, visits=args.visits, time=args.time, event=args.event, model=args.model,
                   id=args.id, holdout=args.holdout, random_state=args.seed,
                   meta={"data": args.data, "where": args.where})
    paths = fit.write(args.out)
    print(f"written: {paths['model']}, {paths['fit']}" + (", report.html" if "html" in paths else ""))
    print(f"twin: {paths['model']}  (give it as --twin {paths['model']} to trials analyze | simulate | design, "
          f"or as MODEL to trials sample | control-arm)")
    return 0


@with_csv_lines
def _sample(args) -> int:
    from .._util.atomic import atomic_write_json, atomic_write_text
    from ..errors import UsageError
    from ..trials import DigitalTwin
    from ._common import filter_rows, model_class, model_folder, read_input_table

    if model_class(args.model, "pharmasynth trials fit") in TABLE_MODELS:
        print(TABLES_NOTE, file=sys.stderr)
        return sample_table(args)
    if not args.baseline_table:
        raise UsageError("a twin samples trajectories for given patients: pass --baseline-table FILE.")
    twin = DigitalTwin.load(model_folder(args.model))
    base = filter_rows(read_input_table(args.baseline_table, "baseline"), args.where, args.baseline_table)
    draws = twin.sample(base, n_draws=args.n_draws, random_state=args.seed)
    out = Path(args.out)
    atomic_write_text(out / "samples.csv", draws.to_csv(index=False))
    atomic_write_json(out / "sample.json", {"model": args.model, "class": "DigitalTwin", "n_patients": len(base),
                                            "n_draws": args.n_draws, "rows": len(draws), "columns": list(draws.columns),
                                            "csv": str(out / "samples.csv")})
    print(f"written: {out / 'samples.csv'}, {out / 'sample.json'}")
    return 0


@with_csv_lines
def _control_arm(args) -> int:
    from ..errors import UsageError
    from ..trials import DigitalTwin, control_arms
    from ._common import filter_rows, model_class, model_folder, read_input_table

    if args.historical and not args.covariates:
        raise UsageError("--historical needs --covariates for the propensity model.")
    if args.historical_where and not args.historical:
        raise UsageError("--historical-where filters --historical FILE: give both.")
    model_class(args.model, "pharmasynth trials fit")
    twin = DigitalTwin.load(model_folder(args.model))
    enrolled = filter_rows(read_input_table(args.trial, "trial"), args.where, args.trial)
    historical = None
    if args.historical:
        historical = filter_rows(read_input_table(args.historical, "historical"), args.historical_where,
                                 args.historical)
    arms = control_arms(twin, enrolled, n_draws=args.n_draws, historical=historical, covariates=args.covariates,
                        method=args.method, caliper=args.caliper, random_state=args.seed, outcome=args.outcome,
                        meta={"model": args.model, "trial": args.trial, "where": args.where})
    paths = arms.write(args.out)
    if arms.effect is not None:
        print(arms.effect.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"written: {paths['control_arm']}, {paths['json']}")
    return 0


def register(subparsers, name="trials", help=None):
    from .trials_analysis import register_analysis
    from .trials_design import register_design
    from .trials_simulate import register_simulate

    p, verbs = verb_group(subparsers, name, help, DESCRIPTION, EXAMPLE)
    f = verbs.add_parser("fit", help="fit a DigitalTwin (or a copula / VAE) on a CSV",
                         description="Fit a model on a table and save it to OUT/model (config.json + "
                                     "model.safetensors). With --holdout, a fraction is kept out and the model is "
                                     "validated on it: OUT/report.html and OUT/report.json. Writes OUT/fit.json.",
                         epilog=FIT_EPILOG, formatter_class=FORMAT)
    f.add_argument("data", metavar="FILE", help="training table (CSV or Parquet), one row per patient (wide format)")
    f.add_argument("--kind", choices=["twin", "copula", "vae"], default="twin",
                   help="twin: DigitalTwin (default); copula / vae: as `pharmasynth tabular fit --model`")
    f.add_argument("--baseline", nargs="+", metavar="COL", help="twin: baseline covariates")
    f.add_argument("--visits", nargs="+", metavar="COL", help="twin: outcome columns in visit order")
    f.add_argument("--time", help="twin: time-to-event column")
    f.add_argument("--event", help="twin: event indicator (1 event, 0 censored)")
    f.add_argument("--id", help="twin: patient id column (used in sampled trajectories)")
    f.add_argument("--model", choices=["linear", "neural"], default="linear", help="twin model (default linear)")
    add_fit_options(f)
    f.set_defaults(func=_fit)

    s = verbs.add_parser("sample", help="twin trajectories for given patients (or rows from a copula / VAE)",
                         description="From a twin folder: --n-draws trajectories per patient of --baseline-table. "
                                     "From a copula / VAE folder: --n rows (as `pharmasynth tabular sample`). "
                                     "Writes OUT/samples.csv and OUT/sample.json.", epilog=SAMPLE_EPILOG,
                         formatter_class=FORMAT)
    s.add_argument("model", metavar="MODEL", help="model folder: the --out folder of `trials fit` (or its model/)")
    s.add_argument("--baseline-table", metavar="FILE", help="twin: patients (baseline covariates) to draw for")
    s.add_argument("--where", metavar="EXPR", help="twin: keep rows of --baseline-table where EXPR holds")
    s.add_argument("--n-draws", type=int, default=1, help="twin: trajectories per patient (default 1)")
    add_sample_options(s)
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--out", required=True, metavar="DIR", help="output folder")
    s.set_defaults(func=_sample)

    c = verbs.add_parser("control-arm", help="the twin's synthetic control arm (+ a propensity external control)",
                         description="For each enrolled patient, the twin's counterfactual control trajectory "
                                     "(OUT/control_arm.csv). With --historical and --covariates, also an external "
                                     "control by propensity-score matching or weighting (OUT/external_control.csv, "
                                     "balance table in OUT/control_arm.json).", epilog=CONTROL_EPILOG,
                         formatter_class=FORMAT)
    c.add_argument("model", metavar="MODEL", help="saved DigitalTwin: the --out folder of `trials fit` (or its model/)")
    c.add_argument("trial", metavar="FILE", help="trial table with the enrolled patients' baselines")
    c.add_argument("--where", metavar="EXPR", help="keep trial rows where EXPR holds, e.g. the treated arm "
                   "(default: all rows)")
    c.add_argument("--n-draws", type=int, default=1, help="draws per patient (default 1; >= 20 with --outcome)")
    c.add_argument("--outcome", help="observed visit of the (treated) trial patients: their effect vs the synthetic "
                   "arm, the draws combined (Rubin-type rules, twin parameters redrawn) beside the naive stacked "
                   "analysis (default: none)")
    c.add_argument("--historical", metavar="FILE", help="historical patients for the external control")
    c.add_argument("--historical-where", metavar="EXPR", help="keep --historical rows where EXPR holds, e.g. the "
                   "control arm of an earlier trial (default: all rows)")
    c.add_argument("--covariates", nargs="+", metavar="COL", help="propensity model covariates")
    c.add_argument("--method", choices=["matching", "weighting"], default="matching", help="default matching")
    c.add_argument("--caliper", type=float, default=0.2, help="matching caliper in SD of the logit (default 0.2)")
    c.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    c.add_argument("--out", required=True, metavar="DIR", help="output folder")
    c.set_defaults(func=_control_arm)

    register_analysis(verbs)
    register_simulate(verbs)
    register_design(verbs)
    return p
