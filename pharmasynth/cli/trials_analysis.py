"""`pharmasynth trials analyze` and `pharmasynth trials simulate` (registered by trials/cli.py).

Every output is computed first and written atomically last, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import PharmasynthError

ANALYZE_HELP = """Analyse a two-arm trial: unadjusted, ANCOVA (with --covariates) and PROCOVA (the twin's
prediction as a covariate), each with HC3-robust SE, CI and p-value; with --time/--event also
Kaplan-Meier curves, log-rank, Cox with the twin's prognostic score and the RMST difference.

writes  OUT/analysis.json   {"analyses": [{effect, se, ci_low, ci_high, p_value, n, method}, ...], ...}
        OUT/report.html, OUT/report.json

example:
  pharmasynth trials analyze trial.csv --twin out/twin --outcome cd420 --treatment arms \\
      --treated 1 --control 0 --covariates cd40 age --out out/analysis"""

SIMULATE_HELP = """Simulate many trials from a saved twin: type I error (effect 0) and power across effects
and sample sizes for the unadjusted, PROCOVA and synthetic-control designs, each with its Monte
Carlo SE. Vectorised; --scheduler tcp://HOST:PORT fans chunks out to a Dask cluster.

writes  OUT/simulation.json  {"type_one_error": [...], "power_curve": [...], "settings": {...}}
        OUT/report.html, OUT/report.json

example:
  pharmasynth trials simulate --twin out/twin --pool data/actg175/actg175.csv --outcome cd420 \\
      --n-per-arm 100 200 --effects 0 20 40 --n-trials 10000 --out out/simulation"""


def _label(value):
    """CLI arm labels are text; compare as numbers when they look like numbers."""
    if value is None:
        return None
    try:
        f = float(value)
        return int(f) if f.is_integer() else f
    except ValueError:
        return value


def _load_twin(path):
    """A saved DigitalTwin, or a known-parameter LinearGaussianTwin (config.json with that class)."""
    import json

    from ..errors import CheckpointError

    cfg = Path(path) / "config.json"
    if not cfg.is_file():
        raise CheckpointError(f"{cfg}: missing; --twin must be a folder written by twin.save(path) "
                              "or `pharmasynth trials fit`.")
    try:
        cls_name = json.loads(cfg.read_text(encoding="utf-8")).get("class")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg}: not valid JSON ({exc}).") from exc
    if cls_name == "LinearGaussianTwin":
        from ..trials.simulate import LinearGaussianTwin

        return LinearGaussianTwin.load(path)
    from ..trials.twin import DigitalTwin  # the fitted twin (linear or neural)

    return DigitalTwin.load(path)


def _in_file(path, exc: PharmasynthError) -> PharmasynthError:
    """Re-raise the same error type with the file named (rows are 0-based data rows: CSV line = row + 2)."""
    note = " (row N is line N + 2 of the CSV)" if " row " in str(exc) else ""
    return type(exc)(f"{path}: {exc}{note}")


def _analyze(args) -> int:
    import pandas as pd

    from .._util.atomic import atomic_write_json
    from ..evaluation.tabular import read_table
    from ..trials import analysis as A
    from ..trials.report import analysis_report, km_figure

    trial = read_table(args.trial, role="trial")
    treated, control = _label(args.treated), _label(args.control)
    twin = _load_twin(args.twin) if args.twin else None
    try:
        results = [A.unadjusted(trial, args.outcome, args.treatment, alpha=args.alpha, hc=args.hc,
                                treated=treated, control=control)]
        if args.covariates:
            results.append(A.ancova(trial, args.outcome, args.treatment, args.covariates, alpha=args.alpha,
                                    hc=args.hc, treated=treated, control=control))
        if twin is not None or args.score:
            results.append(A.procova(trial, twin if twin is not None else args.score, args.outcome, args.treatment,
                                     covariates=args.covariates if args.procova_covariates else None,
                                     visit=args.visit, alpha=args.alpha, hc=args.hc, treated=treated,
                                     control=control))
        doc = {"trial": str(args.trial), "outcome": args.outcome, "treatment": args.treatment,
               "analyses": [r.to_dict() for r in results]}
        procova_res = [r for r in results if r.method == "procova"]
        if procova_res:
            doc["se_reduction"] = 1 - procova_res[0].se / results[0].se
            doc["effective_sample_size"] = A.effective_sample_size(results[0].se, procova_res[0].se, results[0].n)
        rep = analysis_report(results, title=f"Trial analysis: {Path(args.trial).name}",
                              meta={"trial": str(args.trial), "twin": str(args.twin) if args.twin else None})
        if args.time and args.event:
            km = A.km_curves(trial, args.time, args.event, args.treatment)
            lr = A.logrank(trial, args.time, args.event, args.treatment)
            score = None
            if twin is not None and hasattr(twin, "risk_score") and getattr(twin, "time", None):
                score = A.prognostic_score(trial, twin.risk_score(trial), args.outcome)
            elif args.score:
                score = args.score
            cox = A.cox_with_prognostic_score(trial, args.time, args.event, args.treatment, score=score,
                                              treated=treated, control=control)
            tau = args.tau or float(trial[args.time].quantile(0.8))
            rmst = A.rmst_difference(trial, args.time, args.event, args.treatment, tau=tau, treated=treated,
                                     control=control)
            doc["time_to_event"] = {"logrank": lr.to_dict(orient="records")[0],
                                    "cox": cox.reset_index().to_dict(orient="records"),
                                    "rmst": rmst.to_dict(orient="records")[0]}
            rep.add_figure("Kaplan-Meier by arm", km_figure(km, args.treatment), "Pointwise 95% CI bands.",
                           section="time to event")
            rep.add_table("Cox model", cox.reset_index())
            rep.add_table("RMST difference", rmst)
    except PharmasynthError as exc:
        raise _in_file(args.trial, exc) from exc
    out = Path(args.out)
    atomic_write_json(out / "analysis.json", doc)
    rep.save(out, "report")
    print(pd.DataFrame(doc["analyses"])[["method", "effect", "se", "ci_low", "ci_high", "p_value", "n"]]
          .to_string(index=False))
    print(f"written: {out / 'analysis.json'}, {out / 'report.html'}")
    return 0


def _simulate(args) -> int:
    from .._util.atomic import atomic_write_json
    from ..evaluation.tabular import read_table
    from ..trials.report import Report, power_curves_figure, type_one_error_metrics
    from ..trials.simulate import power_curve, simulate_trials

    twin = _load_twin(args.twin)
    pool = read_table(args.pool, role="baseline pool")
    try:
        t1 = simulate_trials(twin, pool, n_per_arm=args.n_per_arm[0], effect=0.0, n_trials=args.n_trials,
                             designs=args.designs, outcome=args.outcome, alpha=args.alpha, random_state=args.seed,
                             scheduler=args.scheduler, control_fraction=args.control_fraction, drift=args.drift,
                             keep_estimates=False)
        pc = power_curve(twin, pool, effects=args.effects, n_per_arm=args.n_per_arm, designs=args.designs,
                         n_trials=args.power_trials, random_state=args.seed + 1, outcome=args.outcome,
                         alpha=args.alpha, scheduler=args.scheduler, control_fraction=args.control_fraction,
                         drift=args.drift)
    except PharmasynthError as exc:
        raise _in_file(args.pool, exc) from exc
    doc = {"settings": t1.settings, "type_one_error": t1.summary.reset_index().to_dict(orient="records"),
           "type_one_error_within_2_mc_se": t1.type_one_error_ok().to_dict(),
           "power_curve": pc.to_dict(orient="records")}
    rep = Report(type_one_error_metrics(t1.summary, args.alpha), title="Trial simulation",
                 meta={"twin": str(args.twin), "pool": str(args.pool)})
    rep.add_table("Type I error (effect 0)", t1.summary.reset_index())
    rep.add_table("Power curve", pc)
    rep.add_figure("Power curves", power_curves_figure(pc, args.alpha),
                   "Rejection rate per design; bars are +-2 Monte Carlo SE.", section="simulation")
    out = Path(args.out)
    atomic_write_json(out / "simulation.json", doc)
    rep.save(out, "report")
    print(t1)
    print(f"written: {out / 'simulation.json'}, {out / 'report.html'}")
    return 0


def register_analysis(verbs) -> None:
    """Add the `analyze` and `simulate` verbs to the `pharmasynth trials` sub-parsers."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = verbs.add_parser("analyze", help="unadjusted / ANCOVA / PROCOVA analysis of a trial CSV (+ time to event)",
                         description=ANALYZE_HELP, formatter_class=fmt)
    p.add_argument("trial", help="trial table (CSV or Parquet): one row per patient")
    p.add_argument("--outcome", required=True, help="continuous outcome column (e.g. cd420)")
    p.add_argument("--treatment", required=True, help="arm column (two arms)")
    p.add_argument("--treated", help="label of the treated arm (needed unless the arm column is 0/1 or no/yes)")
    p.add_argument("--control", help="label of the control arm")
    p.add_argument("--twin", help="folder of a saved DigitalTwin (its prediction is the PROCOVA covariate)")
    p.add_argument("--score", help="column holding a precomputed prognostic score (instead of --twin)")
    p.add_argument("--visit", help="twin visit to use as the score (default: --outcome)")
    p.add_argument("--covariates", nargs="+", default=[], help="baseline covariates for ANCOVA")
    p.add_argument("--procova-covariates", action="store_true", help="also add --covariates to PROCOVA")
    p.add_argument("--time", help="time-to-event column (with --event: KM, log-rank, Cox, RMST)")
    p.add_argument("--event", help="event indicator column (1 = event, 0 = censored)")
    p.add_argument("--tau", type=float, help="RMST horizon (default: 80th percentile of --time)")
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided level (default 0.05)")
    p.add_argument("--hc", default="HC3", choices=["HC0", "HC1", "HC2", "HC3"], help="robust SE type (default HC3)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=_analyze)

    s = verbs.add_parser("simulate", help="type I error and power of trial designs, simulated from a twin",
                         description=SIMULATE_HELP, formatter_class=fmt)
    s.add_argument("--twin", required=True, help="folder of a saved DigitalTwin")
    s.add_argument("--pool", required=True, help="CSV of baseline covariates to resample patients from")
    s.add_argument("--outcome", help="visit to simulate (default: the twin's last visit)")
    s.add_argument("--n-per-arm", type=int, nargs="+", default=[100], help="patients per arm (first one: type I error)")
    s.add_argument("--effects", type=float, nargs="+", default=[0.0, 10.0, 20.0, 30.0], help="true effects for power")
    s.add_argument("--n-trials", type=int, default=10_000, help="trials for the type I error (default 10000)")
    s.add_argument("--power-trials", type=int, default=2000, help="trials per power-curve point (default 2000)")
    s.add_argument("--designs", nargs="+", default=["unadjusted", "procova", "synthetic_control"],
                   choices=["unadjusted", "procova", "synthetic_control"])
    s.add_argument("--control-fraction", type=float, default=0.5,
                   help="synthetic-control design: share of the control arm that is randomised (default 0.5)")
    s.add_argument("--drift", type=float, default=0.0, help="shift of the enrolled population vs the twin (bias test)")
    s.add_argument("--alpha", type=float, default=0.05)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--scheduler", help="Dask scheduler address (default: in-process or $PHARMASYNTH_SCHEDULER)")
    s.add_argument("--out", required=True, help="output folder")
    s.set_defaults(func=_simulate)
