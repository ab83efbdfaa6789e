"""`pharmasynth trials fit | sample | control-arm | analyze | simulate`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DESCRIPTION = """Digital twins, synthetic patients and control arms, PROCOVA and trial simulation.

  fit          fit a DigitalTwin (trajectories under control) or a patient generator (copula / VAE)
               on a CSV, save it to a folder (JSON + safetensors, no patient records)
  sample       synthetic patients from a generator, or twin trajectories for given patients
  control-arm  the twin's counterfactual control arm for enrolled patients (+ a propensity-score
               external control from historical patients, for comparison)
  analyze      unadjusted / ANCOVA / PROCOVA analysis of a trial (+ KM, log-rank, Cox, RMST)
  simulate     type I error and power of designs, from thousands of trials simulated from a twin

Every verb writes JSON (atomically) into its --out folder."""

EXAMPLE = """example (ACTG 175: ZDV-only patients are the historical controls):
  pharmasynth trials fit data/actg175/actg175.csv --kind twin --where "arms == 0" \\
      --baseline age wtkg hemo homo drugs karnof oprior z30 preanti race gender str2 symptom cd40 cd80 \\
      --visits cd420 cd496 --time days --event cens --holdout 0.3 --out out/twin
  pharmasynth trials sample out/twin/model --baseline-table trial.csv --n-draws 10 --out out/twin_draws
  pharmasynth trials fit data/actg175/actg175.csv --kind copula --out out/copula
  pharmasynth trials sample out/copula/model --n 10000 --conditions race=1 --rules data/actg175/rules.toml --out out/synth
  pharmasynth trials control-arm out/twin/model data/actg175/actg175.csv --where "arms == 1" \\
      --historical hist.csv --covariates age cd40 karnof --method weighting --out out/control_arm
"""


def _usage(msg):
    """A wrong combination of options: a clean one-line error from the top-level CLI."""
    from ..errors import SchemaError

    return SchemaError(msg)


def _read(path, role):
    from ..evaluation.tabular import read_table

    return read_table(path, role=role)


def _where(df, expr, path):
    if not expr:
        return df
    from ..errors import RuleError
    from ..evaluation.rules import RuleSet

    try:
        mask = RuleSet([expr]).valid_mask(df)
    except RuleError as exc:
        raise RuleError(f"--where {expr!r} on {path}: {exc}") from None
    out = df[mask]
    if len(out) == 0:
        from ..errors import DataError

        raise DataError(f"--where {expr!r} keeps no row of {path}.")
    out.attrs = dict(df.attrs)
    return out


def _conditions(items):
    out = {}
    for it in items or []:
        if "=" not in it:
            raise _usage(f"--conditions expects COLUMN=VALUE, got {it!r}")
        c, v = it.split("=", 1)
        try:
            f = float(v)
            v = int(f) if f.is_integer() else f
        except ValueError:
            pass
        out[c] = v
    return out


def _write_csv(path, df):
    from .._util.atomic import atomic_write_text

    atomic_write_text(path, df.to_csv(index=False))


def _model_class(path):
    from ..errors import CheckpointError

    cfg = Path(path) / "config.json"
    if not cfg.is_file():
        raise CheckpointError(f"{cfg}: missing; give the model folder written by `pharmasynth trials fit` "
                              "(OUT/model) or by .save(path).")
    try:
        return json.loads(cfg.read_text(encoding="utf-8")).get("class")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg}: not valid JSON ({exc}).") from exc


def _split(df, frac, seed):
    import numpy as np

    if not frac:
        return df, None
    if not 0 < frac < 1:
        raise _usage(f"--holdout {frac} must be in (0, 1).")
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(df))
    k = int(round(frac * len(df)))
    return df.iloc[idx[k:]], df.iloc[idx[:k]]


# ---------------------------------------------------------------------------------------------
def _with_lines(fn):
    """Errors that name a row also give the CSV line: rows are labelled 0, 1, ... as read."""
    import functools

    from ..errors import PharmasynthError

    @functools.wraps(fn)
    def run(args):
        try:
            return fn(args)
        except PharmasynthError as exc:
            if " row " in str(exc) and "line" not in str(exc):
                raise type(exc)(f"{exc} (row N of an input CSV is its line N + 2)") from exc
            raise
    return run


@_with_lines
def _fit(args) -> int:
    import warnings

    from .._util.atomic import atomic_write_json

    df = _where(_read(args.data, "training"), args.where, args.data)
    train, hold = _split(df, args.holdout, args.seed)
    out = Path(args.out)
    summary = {"data": args.data, "where": args.where, "n_rows": len(df), "n_train": len(train),
               "n_holdout": 0 if hold is None else len(hold), "kind": args.kind, "seed": args.seed}
    report = None
    if args.kind == "twin":
        from ..trials.twin import DigitalTwin

        if not args.baseline or not (args.visits or args.time):
            raise _usage("--kind twin needs --baseline and --visits (and/or --time/--event).")
        twin = DigitalTwin(baseline=args.baseline, visits=args.visits or [], time=args.time, event=args.event,
                           model=args.model, id=args.id, random_state=args.seed)
        twin.fit(train)
        if hold is not None:
            from ..trials.validation import validate_twin

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                report, tables = validate_twin(twin, hold, random_state=args.seed)
            summary["validation"] = {k: v.to_dict(orient="records") for k, v in tables.items() if k != "km_overlap"}
        twin.save(out / "model")
        summary["twin"] = twin.summary()
    else:
        from ..tabular import GaussianCopula, TabularVAE

        cols = args.columns or list(train.columns)
        missing = [c for c in cols if c not in train.columns]
        if missing:
            from ..errors import SchemaError

            raise SchemaError(f"{args.data}: --columns {missing} not in the table (columns: {list(train.columns)}).")
        gen = (GaussianCopula(random_state=args.seed) if args.kind == "copula"
               else TabularVAE(epochs=args.epochs, random_state=args.seed))
        gen.fit(train[cols])
        if hold is not None:
            from ..trials.validation import evaluate_synthetic_patients

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                report = evaluate_synthetic_patients(train[cols], gen.sample(len(train)), holdout=hold[cols],
                                                     random_state=args.seed, rules=args.rules,
                                                     title=f"{type(gen).__name__} synthetic patients vs real")
            summary["evaluation"] = {"score": report.score(), "groups": report.group_scores()}
        gen.save(out / "model")
        summary["columns"] = cols
    if report is not None:
        paths = report.save(out, "report")
        summary["report"] = {k: str(v) for k, v in paths.items()}
    summary["model_dir"] = str(out / "model")
    atomic_write_json(out / "fit.json", summary)
    print(f"written: {out / 'model'}, {out / 'fit.json'}" + (", report.html" if report is not None else ""))
    return 0


@_with_lines
def _sample(args) -> int:
    from .._util.atomic import atomic_write_json

    cls = _model_class(args.model)
    out = Path(args.out)
    if cls == "DigitalTwin":
        from ..trials.twin import DigitalTwin

        if not args.baseline_table:
            raise _usage("a twin samples trajectories for given patients: pass --baseline-table FILE.")
        twin = DigitalTwin.load(args.model)
        base = _where(_read(args.baseline_table, "baseline"), args.where, args.baseline_table)
        draws = twin.sample(base, n_draws=args.n_draws, random_state=args.seed)
        _write_csv(out / "samples.csv", draws)
        summary = {"model": args.model, "class": cls, "n_patients": len(base), "n_draws": args.n_draws,
                   "rows": len(draws), "columns": list(draws.columns)}
    elif cls in ("GaussianCopula", "TabularVAE"):
        from ..tabular import load_synthesizer as load_generator

        if args.n is None:
            raise _usage("give --n, the number of synthetic patients.")
        gen = load_generator(args.model)
        rows = gen.sample(args.n, conditions=_conditions(args.conditions), rules=args.rules, random_state=args.seed)
        _write_csv(out / "samples.csv", rows)
        summary = {"model": args.model, "class": cls, "rows": len(rows), "sampling": gen.sampling_report_}
    else:
        from ..errors import CheckpointError

        raise CheckpointError(f"{args.model}: holds a {cls!r}; expected a DigitalTwin, GaussianCopula or TabularVAE.")
    summary["csv"] = str(out / "samples.csv")
    atomic_write_json(out / "sample.json", summary)
    print(f"written: {out / 'samples.csv'}, {out / 'sample.json'}")
    return 0


@_with_lines
def _control_arm(args) -> int:
    from .._util.atomic import atomic_write_json
    from ..trials.control_arm import external_control, synthetic_control_arm
    from ..trials.twin import DigitalTwin

    if _model_class(args.model) != "DigitalTwin":
        from ..errors import CheckpointError

        raise CheckpointError(f"{args.model}: not a saved DigitalTwin.")
    twin = DigitalTwin.load(args.model)
    enrolled = _where(_read(args.trial, "trial"), args.where, args.trial)
    arm = synthetic_control_arm(twin, enrolled, n_draws=args.n_draws, random_state=args.seed)
    out = Path(args.out)
    summary = {"model": args.model, "trial": args.trial, "where": args.where, "n_enrolled": len(enrolled),
               "n_draws": args.n_draws, "csv": str(out / "control_arm.csv")}
    if twin.visits:
        summary["mean_per_visit"] = {v: float(arm[v].mean()) for v in twin.visits}
    if twin.has_event_:
        summary["event_rate"] = float(arm[twin.event].mean())
    ext = None
    if args.historical:
        if not args.covariates:
            raise _usage("--historical needs --covariates for the propensity model.")
        hist = _read(args.historical, "historical")
        ext = external_control(hist, enrolled, args.covariates, method=args.method, caliper=args.caliper,
                               random_state=args.seed)
        summary["external_control"] = {**ext.summary(), "balance": ext.balance.to_dict(orient="records"),
                                       "csv": str(out / "external_control.csv")}
    _write_csv(out / "control_arm.csv", arm)
    if ext is not None:
        _write_csv(out / "external_control.csv", ext.data)
    atomic_write_json(out / "control_arm.json", summary)
    print(f"written: {out / 'control_arm.csv'}, {out / 'control_arm.json'}")
    return 0


def register(subparsers, name="trials", help=None):
    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(name, help=help, description=DESCRIPTION, epilog=EXAMPLE, formatter_class=fmt)
    verbs = p.add_subparsers(dest="trials_command", metavar="VERB")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    f = verbs.add_parser("fit", help="fit a DigitalTwin or a synthetic-patient generator on a CSV",
                         description="Fit a model on a table and save it to OUT/model (config.json + "
                                     "model.safetensors). With --holdout, a fraction is kept out and the model is "
                                     "validated on it: OUT/report.html and OUT/report.json. Writes OUT/fit.json.",
                         epilog=EXAMPLE, formatter_class=fmt)
    f.add_argument("data", help="training table (CSV or Parquet), one row per patient (wide format)")
    f.add_argument("--kind", choices=["twin", "copula", "vae"], default="twin",
                   help="twin: DigitalTwin; copula: GaussianCopula; vae: TabularVAE (default twin)")
    f.add_argument("--where", metavar="EXPR", help="keep rows where EXPR holds (rules language), e.g. \"arms == 0\"")
    f.add_argument("--baseline", nargs="+", metavar="COL", help="twin: baseline covariates")
    f.add_argument("--visits", nargs="+", metavar="COL", help="twin: outcome columns in visit order")
    f.add_argument("--time", help="twin: time-to-event column")
    f.add_argument("--event", help="twin: event indicator (1 event, 0 censored)")
    f.add_argument("--id", help="twin: patient id column (used in sampled trajectories)")
    f.add_argument("--model", choices=["linear", "neural"], default="linear", help="twin model (default linear)")
    f.add_argument("--columns", nargs="+", metavar="COL", help="copula/vae: columns to model (default all)")
    f.add_argument("--epochs", type=int, default=30, help="vae: training epochs (default 30)")
    f.add_argument("--rules", metavar="FILE", help="copula/vae: rules checked in the holdout evaluation")
    f.add_argument("--holdout", type=float, default=0.0, metavar="FRAC",
                   help="fraction of rows kept out for validation (default 0: none)")
    f.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    f.add_argument("--out", required=True, metavar="DIR", help="output folder")
    f.set_defaults(func=_fit)

    s = verbs.add_parser("sample", help="synthetic patients, or twin trajectories for given patients",
                         description="From a generator folder: --n synthetic patients (with --conditions and "
                                     "--rules). From a twin folder: --n-draws trajectories per patient of "
                                     "--baseline-table. Writes OUT/samples.csv and OUT/sample.json.",
                         epilog=EXAMPLE, formatter_class=fmt)
    s.add_argument("model", help="model folder (OUT/model from `trials fit`)")
    s.add_argument("--n", type=int, help="generator: number of synthetic patients")
    s.add_argument("--conditions", nargs="+", metavar="COL=VALUE", help="generator: fixed values, e.g. race=1")
    s.add_argument("--rules", metavar="FILE", help="generator: validity rules enforced at sampling (.toml/.yaml)")
    s.add_argument("--baseline-table", metavar="FILE", help="twin: patients (baseline covariates) to draw for")
    s.add_argument("--where", metavar="EXPR", help="twin: keep rows of --baseline-table where EXPR holds")
    s.add_argument("--n-draws", type=int, default=1, help="twin: trajectories per patient (default 1)")
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--out", required=True, metavar="DIR", help="output folder")
    s.set_defaults(func=_sample)

    c = verbs.add_parser("control-arm", help="the twin's synthetic control arm (+ a propensity external control)",
                         description="For each enrolled patient, the twin's counterfactual control trajectory "
                                     "(OUT/control_arm.csv). With --historical and --covariates, also an external "
                                     "control by propensity-score matching or weighting (OUT/external_control.csv, "
                                     "balance table in OUT/control_arm.json).", epilog=EXAMPLE, formatter_class=fmt)
    c.add_argument("model", help="folder of a saved DigitalTwin")
    c.add_argument("trial", help="trial table with the enrolled patients' baselines")
    c.add_argument("--where", metavar="EXPR", help="keep trial rows where EXPR holds (e.g. the treated arm)")
    c.add_argument("--n-draws", type=int, default=1, help="draws per patient (default 1)")
    c.add_argument("--historical", metavar="FILE", help="historical patients for the external control")
    c.add_argument("--covariates", nargs="+", metavar="COL", help="propensity model covariates")
    c.add_argument("--method", choices=["matching", "weighting"], default="matching", help="default matching")
    c.add_argument("--caliper", type=float, default=0.2, help="matching caliper in SD of the logit (default 0.2)")
    c.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    c.add_argument("--out", required=True, metavar="DIR", help="output folder")
    c.set_defaults(func=_control_arm)

    try:
        from .trials_analysis import register_analysis
    except ModuleNotFoundError as exc:  # only while H3b's module does not exist yet
        if exc.name != __name__.rsplit(".", 1)[0] + ".cli_analysis":
            raise
    else:
        register_analysis(verbs)
    return p
