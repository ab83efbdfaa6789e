"""`pharmasynth trials design` (registered by cli/trials.py with `register_design(verbs)`).

Reads its inputs, calls `pharmasynth.trials.design_workflows.design_trial`, writes the result
(design.json + report.html/json, each atomically) and prints the table.
"""

from __future__ import annotations

from contextlib import nullcontext

from ._common import FORMAT, load_twin_folder, naming_file, with_csv_lines

DESIGN_HELP = """Sample size of a two-arm trial, with or without interim analyses.

survival:    events for a hazard ratio (Schoenfeld, or Freedman), then - given the control arm's
             hazard (--control-median, --control-hazard [--hazard-breaks], or a twin's Weibull
             model with --twin and --pool) and two of --accrual-rate, --accrual-duration,
             --patients, --follow-up - patients and study duration (expected events by numerical
             integration over uniform accrual, exponential dropout).
continuous:  patients for a difference in means (normal or exact t), unadjusted vs PROCOVA
             (variance factor 1 - rho^2; --rho-n shrinks an estimated rho to its 95% lower bound).
--looks K:   a group-sequential design: Lan-DeMets alpha spending (obf, pocock, hsd --gamma G),
             bounds by exact recursive numerical integration, optional non-binding futility
             (--futility obf|pocock|hsd); maximum events/patients inflated by the inflation factor.

writes  OUT/design.json  {"events", "patients", "duration", "boundaries": [{"information_fraction",
                          "z", "nominal_p", "cumulative_alpha", ...}], ...}
        OUT/report.html, OUT/report.json (boundary plot, power curve)

examples (out/twin: the twin of `pharmasynth trials fit --help`):
  pharmasynth trials design --endpoint survival --hr 0.7 --alpha 0.05 --sided 2 --power 0.9 --out out/design
  pharmasynth trials design --endpoint survival --hr 0.7 --looks 3 --spending obf --control-median 900 \\
      --accrual-rate 1.5 --follow-up 365 --dropout 0.1 --dropout-time 365 --out out/design_gs
  pharmasynth trials design --endpoint survival --hr 0.7 --looks 3 --spending obf \\
      --twin out/twin --pool data/actg175/actg175.csv --accrual-duration 540 --follow-up 365 --out out/design_twin
  pharmasynth trials design --endpoint continuous --effect 20 --sd 120 --rho 0.6 --method t --out out/design_cd4"""


@with_csv_lines
def _design(args) -> int:
    from ..trials.design_workflows import design_trial
    from ._common import read_input_table

    twin = pool = None
    if args.twin is not None:
        twin = load_twin_folder(args.twin)
        if args.pool is None:
            from ..errors import UsageError

            raise UsageError("--twin needs --pool (the baseline table its patients come from).")
    if args.pool is not None:
        pool = read_input_table(args.pool, "baseline pool")
    meta = {"command": "pharmasynth trials design", **({"twin": str(args.twin), "pool": str(args.pool)} if twin else {})}
    with naming_file(args.pool) if pool is not None else nullcontext():
        res = design_trial(args.endpoint, alpha=args.alpha, power=args.power, sided=args.sided, ratio=args.ratio,
                           hr=args.hr, events_method=args.events_method, control_median=args.control_median,
                           control_hazard=args.control_hazard, hazard_breaks=args.hazard_breaks, twin=twin,
                           pool=pool, accrual_rate=args.accrual_rate, accrual_duration=args.accrual_duration,
                           patients=args.patients, follow_up=args.follow_up, dropout=args.dropout,
                           dropout_time=args.dropout_time, effect=args.effect, sd=args.sd, rho=args.rho,
                           rho_n=args.rho_n, method=args.method, looks=args.looks, fractions=args.fractions,
                           spending=args.spending, gamma=args.gamma, futility=args.futility,
                           futility_gamma=args.futility_gamma, meta=meta)
    paths = res.write(args.out)
    print(res)
    print(f"written: {paths['design']}, {paths['html']}")
    return 0


def register_design(verbs) -> None:
    """Add the `design` verb to the `pharmasynth trials` sub-parsers."""
    s = verbs.add_parser("design", help="sample size, events, duration and group-sequential boundaries",
                         description=DESIGN_HELP, formatter_class=FORMAT)
    s.add_argument("--endpoint", choices=["survival", "continuous"], default="survival", help="kind of primary endpoint")
    s.add_argument("--alpha", type=float, default=0.05, help="type I error (two-sided total when --sided 2)")
    s.add_argument("--sided", type=int, choices=[1, 2], default=2, help="one- or two-sided test")
    s.add_argument("--power", type=float, default=0.9, help="power at the effect to detect")
    s.add_argument("--ratio", type=float, default=1.0, help="allocation ratio n_treated / n_control")
    g = s.add_argument_group("survival endpoint")
    g.add_argument("--hr", type=float, help="hazard ratio to detect (treated / control), e.g. 0.7")
    g.add_argument("--events-method", choices=["schoenfeld", "freedman"], default="schoenfeld",
                   help="formula for the required events")
    g.add_argument("--control-median", type=float, help="median event time of the control arm (exponential hazard)")
    g.add_argument("--control-hazard", type=float, nargs="+",
                   help="control hazard rate(s) per time unit; several with --hazard-breaks (piecewise)")
    g.add_argument("--hazard-breaks", type=float, nargs="+", help="start of each piecewise-hazard interval (first 0)")
    g.add_argument("--twin", help="folder of a saved twin with an event model: its Weibull is the control hazard")
    g.add_argument("--pool", help="CSV of baseline covariates the twin's patients are drawn from")
    g.add_argument("--accrual-rate", type=float, help="patients enrolled per time unit")
    g.add_argument("--accrual-duration", type=float, help="length of the enrolment period")
    g.add_argument("--patients", type=int, help="total patients (instead of a rate or duration)")
    g.add_argument("--follow-up", type=float, help="minimum follow-up after the last patient enters")
    g.add_argument("--dropout", type=float, default=0.0, help="share lost to follow-up by --dropout-time")
    g.add_argument("--dropout-time", type=float, default=1.0, help="time at which --dropout is reached")
    c = s.add_argument_group("continuous endpoint")
    c.add_argument("--effect", type=float, help="difference in means to detect")
    c.add_argument("--sd", type=float, help="outcome standard deviation")
    c.add_argument("--rho", type=float, default=0.0, help="correlation of outcome and prognostic score (PROCOVA)")
    c.add_argument("--rho-n", type=int, help="patients rho was estimated on (shrinks it to its 95%% lower bound)")
    c.add_argument("--method", choices=["normal", "t"], default="normal", help="normal approximation or exact t")
    q = s.add_argument_group("interim analyses")
    q.add_argument("--looks", type=int, default=1, help="number of analyses, the final one included")
    q.add_argument("--fractions", type=float, nargs="+", help="information fraction of each look (default: equal)")
    q.add_argument("--spending", choices=["obf", "pocock", "hsd"], default="obf", help="alpha-spending function")
    q.add_argument("--gamma", type=float, default=-4.0, help="Hwang-Shih-DeCani gamma of --spending hsd")
    q.add_argument("--futility", choices=["obf", "pocock", "hsd"],
                   help="beta-spending function of non-binding futility bounds (one-sided designs; default: none)")
    q.add_argument("--futility-gamma", type=float, default=-2.0, help="gamma of --futility hsd")
    s.add_argument("--out", required=True, help="output folder")
    s.set_defaults(func=_design)
