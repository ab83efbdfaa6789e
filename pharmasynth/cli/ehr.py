"""`pharmasynth ehr fit | sample | evaluate | query`: synthetic patient timelines (statics, labs, events)."""

from __future__ import annotations

import json
from pathlib import Path

from ._common import FORMAT, model_folder, parse_assignments, verb_group

NAFLD = "data/nafld/nafld1.csv.gz"
DESCRIPTION = """Synthetic patient timelines: one static row per patient, repeated measurements (long form:
id, days, test, value) and time-stamped events (id, days, event), as in an EHR extract.

  fit       fit a TimelineSynthesizer (copula statics, piecewise-exponential event hazards given
            history, mixed-effects lab trajectories given events) and save OUT/model (no records)
  sample    N synthetic timelines, in chunks, to OUT/{static,measurements,events}.parquet + sample.json;
            --amplify MI=10 multiplies a rare event's hazard (stated in every amplified row)
  evaluate  incidence curves, events and labs over time, query battery, utility, privacy -> report.html/json
  query     cohort queries (counts, incidence per 1,000 person-years, mean lab by group and period)

Times are days from each patient's index date; times before 0 are recorded history."""

EXAMPLE = """example (NAFLD cohort, 17,549 patients):
  pharmasynth ehr fit --static data/nafld/nafld1.csv.gz --measurements data/nafld/nafld2.csv.gz \\
      --events data/nafld/nafld3.csv.gz --covariates age male bmi --holdout 0.3 --on-error drop --out out/ehr
  pharmasynth ehr sample out/ehr/model --n 20000 --seed 1 --amplify MI=10 --out out/ehr/synth
  pharmasynth ehr evaluate out/ehr/synth --static data/nafld/nafld1.csv.gz \\
      --measurements data/nafld/nafld2.csv.gz --events data/nafld/nafld3.csv.gz \\
      --split out/ehr/split.json --on-error drop --out out/ehr/eval
  pharmasynth ehr query out/ehr/synth "incidence diabetes by male" "mean hdl by year during 0..1826"
"""


def _schema(args):
    from ..ehr import TimelineSchema

    return TimelineSchema(id=args.id, time=args.time, test=args.test, value=args.value, event=args.event,
                          followup=args.followup, death=args.death, history=not args.no_history)


def _read_real(args):
    from ..ehr import read_timelines

    return read_timelines(args.static, args.measurements, args.events, _schema(args), on_error=args.on_error)


def _fit(args) -> int:
    from .._util.atomic import atomic_write_json, atomic_write_text
    from ..ehr import TimelineSynthesizer

    tl = _read_real(args)
    train, holdout = tl.split(args.holdout, random_state=args.seed) if args.holdout > 0 else (tl, None)
    model = TimelineSynthesizer(covariates=args.covariates, em_sweeps=args.em_sweeps, random_state=args.seed).fit(train)
    out = Path(args.out)
    model.save(out / "model")
    atomic_write_text(out / "hazards.csv", model.hazard_table().to_csv(index=False))
    info = {"model": str(out / "model"), "patients": train.n_patients, "event_types": model.types_,
            "tests": model.tests_, "panels": model.panels_, "covariates": model.cov_.names,
            "skipped_rows": 0 if tl.skipped is None else int(len(tl.skipped)), "seed": args.seed}
    if holdout is not None:
        s = tl.schema
        # the split is a list of patient ids of the user's own data, kept beside (never inside) the model
        atomic_write_json(out / "split.json", {"holdout_fraction": args.holdout, "seed": args.seed,
                                               "holdout_ids": holdout.static[s.id].tolist()})
        info["holdout_patients"] = holdout.n_patients
    atomic_write_json(out / "fit.json", info)
    print(f"written: {out / 'model'}, {out / 'hazards.csv'}, {out / 'fit.json'}"
          + (f", {out / 'split.json'}" if holdout is not None else ""))
    return 0


def _sample(args) -> int:
    from ..ehr import TimelineSynthesizer
    from ..ehr.chunks import sample_to_parquet
    from ..errors import UsageError

    if args.n is None or args.n < 1:
        raise UsageError("give --n, the number of synthetic timelines (>= 1).")
    model = TimelineSynthesizer.load(model_folder(args.model))
    amplify = {k: float(v) for k, v in parse_assignments(args.amplify, "--amplify").items()}
    meta = sample_to_parquet(model, args.n, args.out, chunk_size=args.chunk_size,
                             conditions=parse_assignments(args.conditions, "--conditions"), amplify=amplify,
                             random_state=args.seed, client=args.scheduler)
    print(f"written: {', '.join(meta['files'].values())}, {Path(args.out) / 'sample.json'} "
          f"({meta['rows']['static']:,} timelines, {meta['rows']['measurements']:,} measurements, "
          f"{meta['rows']['events']:,} events, {meta['seconds']} s)")
    if amplify:
        print(f"note: amplified hazards {amplify}: these events' incidence is not the population's.")
    return 0


def _evaluate(args) -> int:
    import warnings

    from ..ehr.chunks import read_timeline_folder
    from ..ehr.evaluate import evaluate_timelines

    real = _read_real(args)
    syn = read_timeline_folder(args.synthetic)
    train, holdout = real, None
    if args.split:
        ids = set(json.loads(Path(args.split).read_text(encoding="utf-8"))["holdout_ids"])
        s = real.schema
        all_ids = real.static[s.id]
        if not all_ids.isin(ids).any():
            from ..errors import UsageError

            raise UsageError(f"{args.split}: none of its holdout ids is in {args.static}; was it written by "
                             "`ehr fit --holdout` on these tables?")
        train, holdout = real.subset(all_ids[~all_ids.isin(ids)]), real.subset(all_ids[all_ids.isin(ids)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        report = evaluate_timelines(train, syn, holdout, calibrate=args.calibrate, random_state=args.seed,
                                    title=f"pharmasynth timelines: {args.synthetic} vs {args.static}")
    paths = report.write(args.out)
    print(report.to_text())
    print("written: " + ", ".join(str(p) for p in paths.values()))
    return 0


def _query(args) -> int:
    from .._util.atomic import atomic_write_json
    from ..ehr.chunks import read_timeline_folder
    from ..ehr.queries import query
    from ..errors import UsageError

    if args.timelines and not Path(args.timelines).is_dir() and args.static:
        args.queries, args.timelines = [args.timelines, *args.queries], None  # the first positional was a query
    if args.timelines:
        tl = read_timeline_folder(args.timelines, on_error=args.on_error)
    elif args.static and args.measurements and args.events:
        tl = _read_real(args)
    else:
        raise UsageError("give a timeline folder (e.g. out/ehr/synth) or --static, --measurements and --events.")
    answers = {}
    for q in args.queries:
        a = query(tl, q)
        answers[q] = a.to_dict(orient="records")
        print(f"# {q}\n{a.to_string(index=False, float_format=lambda v: f'{v:.4g}')}\n")
    if args.out:
        atomic_write_json(Path(args.out) / "queries.json", answers)
        print(f"written: {Path(args.out) / 'queries.json'}")
    return 0


def _real_options(p, required: bool = True) -> None:
    g = p.add_argument_group("real timelines (defaults: the NAFLD tables' column names)")
    g.add_argument("--static", required=required, metavar="FILE", help="one row per patient (CSV or Parquet)")
    g.add_argument("--measurements", required=required, metavar="FILE", help="long-form labs: id, time, test, value")
    g.add_argument("--events", required=required, metavar="FILE", help="events: id, time, event")
    for opt, default, what in (("id", "id", "patient id column"), ("time", "days", "time column (days from index)"),
                               ("test", "test", "test-name column"), ("value", "value", "measured-value column"),
                               ("event", "event", "event-name column"),
                               ("followup", "futime", "static: end of follow-up (days)"),
                               ("death", "status", "static: 1 = died at end of follow-up")):
        g.add_argument(f"--{opt}", default=default, metavar="COL", help=f"{what} (default {default})")
    g.add_argument("--no-history", action="store_true",
                   help="times before the index date are errors (default: allowed, as recorded history)")
    g.add_argument("--on-error", choices=["raise", "drop"], default="raise",
                   help="bad rows (unknown id, after follow-up or death, duplicates): raise, or drop and report "
                        "(default raise; the NAFLD source needs drop: 3,817 duplicates, 13 late events)")


def register(subparsers, name="ehr", help=None):
    p, verbs = verb_group(subparsers, name, help or "synthetic patient timelines (labs, comorbidities, death)",
                          DESCRIPTION, EXAMPLE)
    f = verbs.add_parser("fit", help="fit a timeline model and save OUT/model", epilog=EXAMPLE, formatter_class=FORMAT,
                         description="Read and validate the three tables, fit a TimelineSynthesizer, write OUT/model "
                                     "(config.json + model.safetensors + statics/), OUT/hazards.csv (event-process "
                                     "coefficients with 95% CIs), OUT/fit.json; with --holdout, OUT/split.json.")
    _real_options(f)
    f.add_argument("--covariates", nargs="+", metavar="COL",
                   help="static columns driving hazards and labs (default: every numeric attribute)")
    f.add_argument("--holdout", type=float, default=0.0, metavar="FRAC",
                   help="fraction of patients kept out for `ehr evaluate --split` (default 0: none)")
    f.add_argument("--em-sweeps", type=int, default=10, help="statics copula: EM sweeps for missing values (default 10)")
    f.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    f.add_argument("--out", required=True, metavar="DIR", help="output folder")
    f.set_defaults(func=_fit)

    s = verbs.add_parser("sample", help="synthetic timelines to Parquet", epilog=EXAMPLE, formatter_class=FORMAT,
                         description="N timelines from a saved model, written in chunks to OUT/static.parquet, "
                                     "OUT/measurements.parquet, OUT/events.parquet (same layout as the input) and "
                                     "OUT/sample.json. Amplification is stated in the events column `amplification`, "
                                     "in each file's Parquet metadata and in sample.json.")
    s.add_argument("model", metavar="MODEL", help="the --out folder of `ehr fit` (or its model/)")
    s.add_argument("--n", type=int, help="number of synthetic timelines")
    s.add_argument("--conditions", nargs="+", metavar="COL=VALUE",
                   help="fixed static values, e.g. male=1 history:diabetes=1 (default none)")
    s.add_argument("--amplify", nargs="+", metavar="EVENT=FACTOR",
                   help="multiply an event type's hazard, e.g. MI=10 stroke=10 (default none)")
    s.add_argument("--chunk-size", type=int, default=50_000, help="timelines per chunk (default 50000)")
    s.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler for the chunks (default in-process)")
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--out", required=True, metavar="DIR", help="output folder")
    s.set_defaults(func=_sample)

    e = verbs.add_parser("evaluate", help="evaluate synthetic timelines against real ones", epilog=EXAMPLE,
                         formatter_class=FORMAT,
                         description="Fidelity over time, the cohort-query battery, 5-year cardiovascular utility "
                                     "and whole-timeline privacy (the last two need --split). Writes OUT/report.html "
                                     "and OUT/report.json.")
    e.add_argument("synthetic", help="folder written by `ehr sample`")
    _real_options(e)
    e.add_argument("--split", metavar="FILE", help="split.json from `ehr fit --holdout` (default: no holdout)")
    e.add_argument("--calibrate", action="store_true",
                   help="also score controls: a real split (ceiling), copies of training timelines (privacy floor), "
                        "attributes shuffled across patients (fidelity floor) (default off)")
    e.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    e.add_argument("--out", required=True, metavar="DIR", help="output folder")
    e.set_defaults(func=_evaluate)

    q = verbs.add_parser("query", help="cohort queries on timelines", epilog=EXAMPLE, formatter_class=FORMAT,
                         description="Answer aggregate queries: 'count [by COLS] [where COND]', 'incidence EVENT [by "
                                     "COLS] [where COND]' (per 1,000 person-years, exact Poisson 95% CI), 'mean TEST "
                                     "[by COLS] [during A..B] [where COND]'. Names: static columns, age_band, bmi_band, "
                                     "history:EVENT, ever:EVENT, and year (mean only).")
    q.add_argument("timelines", nargs="?",
                   help="timeline folder (from `ehr sample`); or give --static/--measurements/--events")
    q.add_argument("queries", nargs="+", metavar="QUERY", help='e.g. "incidence MI by male where age >= 60"')
    _real_options(q, required=False)
    q.add_argument("--out", metavar="DIR", help="also write DIR/queries.json (default: print only)")
    q.set_defaults(func=_query)
    return p
