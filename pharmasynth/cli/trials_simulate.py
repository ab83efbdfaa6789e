"""`pharmasynth trials simulate` (registered by cli/trials.py).

Every output is computed first and written atomically last, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

from ._common import FORMAT, load_twin_folder, naming_file, with_csv_lines

SIMULATE_HELP = """Simulate many trials from a saved twin and report their operating characteristics, each
with its Monte Carlo SE. Vectorised; --scheduler tcp://HOST:PORT fans chunks out to a Dask cluster.

continuous (a twin with visits): type I error (effect 0) and power across effects and sample sizes
  for the unadjusted, PROCOVA and synthetic-control designs.
survival (--design DIR/design.json from `pharmasynth trials design`): each trial enrols the design's
  patients over its accrual period, draws baselines from --pool, control event times from the
  twin's Weibull model (without --twin: from the design's own hazard), treated times under each
  --hrs, exponential dropout and administrative censoring; event-driven looks at the design's
  boundaries, analysed by --analyses (log-rank, Cox, Cox adjusted for the twin's risk score,
  RMST). Reports type I error (HR 1), power, P(stop at each look),
  expected events and duration. --drift D: the enrolled patients' hazard is e^D times what the
  twin says; --control-fraction F also simulates a hybrid design whose control arm is F
  randomised + (1 - F) synthetic controls drawn from the twin.

writes  OUT/simulation.json  continuous: {"type_one_error": [...], "power_curve": [...], "settings": {...}}
                             survival: {"scenarios": [{"true_hr", "design", "rejection_rate", "mc_se",
                                        "p_stop_look_1", ..., "expected_events", "expected_duration"}], ...}
        OUT/report.html, OUT/report.json

examples (out/twin: `pharmasynth trials fit ... --out out/twin`; out/design_twin: the twin example
of `pharmasynth trials design --help`):
  pharmasynth trials simulate --twin out/twin --pool data/actg175/actg175.csv --outcome cd420 \\
      --n-per-arm 100 200 --effects 0 20 40 --n-trials 10000 --out out/simulation
  pharmasynth trials simulate --endpoint survival --design out/design_twin/design.json --twin out/twin \\
      --pool data/actg175/actg175.csv --hrs 1 0.8 0.7 --analyses logrank cox_adjusted --n-trials 10000 \\
      --out out/simulation_survival"""


def _read_design(path):
    import json

    from ..errors import InputFileError

    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such design file; write one with `pharmasynth trials design --out DIR` "
                             "(DIR/design.json).") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not a JSON design file (line {exc.lineno}: {exc.msg}).") from None


def _simulate_survival(args, twin, pool) -> int:
    from ..trials.design_simulation import simulate_design

    design = _read_design(args.design)
    control_fraction = args.control_fraction
    with naming_file(args.design):
        res = simulate_design(design, hrs=args.hrs, time_ratios=args.time_ratios, twin=twin, pool=pool, n_trials=args.n_trials, drift=args.drift,
                              control_fraction=control_fraction, analyses=args.analyses, rmst_tau=args.rmst_tau,
                              random_state=args.seed, client=args.scheduler,
                              meta={"design": str(args.design), "twin": str(args.twin), "pool": str(args.pool)})
    paths = res.write(args.out)
    print(res)
    print(f"written: {paths['simulation']}, {paths['html']}")
    return 0


@with_csv_lines
def _simulate(args) -> int:
    from ..errors import UsageError
    from ._common import read_input_table

    twin = load_twin_folder(args.twin) if args.twin else None
    pool = read_input_table(args.pool, "baseline pool") if args.pool else None
    endpoint = args.endpoint or ("survival" if args.design or (twin is not None and not list(getattr(twin, "visits", [])))
                                 else "continuous")
    if endpoint == "survival":
        if not args.design:
            raise UsageError("--endpoint survival needs --design DIR/design.json (from `pharmasynth trials design`).")
        if twin is not None and pool is None:
            raise UsageError("--twin needs --pool (the baseline table the simulated patients are drawn from).")
        return _simulate_survival(args, twin, pool)
    if twin is None or pool is None:
        raise UsageError("a continuous-outcome simulation needs --twin and --pool.")
    if not list(getattr(twin, "visits", [])):
        raise UsageError(f"the twin in {args.twin} models no visits, only an event: simulate it with "
                         "--endpoint survival --design DIR/design.json.")
    from ..trials import simulate_designs

    with naming_file(args.pool):
        res = simulate_designs(twin, pool, n_per_arm=args.n_per_arm, effects=args.effects, n_trials=args.n_trials,
                               power_trials=args.power_trials, designs=args.designs, outcome=args.outcome,
                               alpha=args.alpha, random_state=args.seed, client=args.scheduler,
                               control_fraction=0.5 if args.control_fraction is None else args.control_fraction,
                               drift=args.drift, meta={"twin": str(args.twin), "pool": str(args.pool)})
    paths = res.write(args.out)
    print(res.type_one_error)
    print(f"written: {paths['simulation']}, {paths['html']}")
    return 0


def register_simulate(verbs) -> None:
    """Add the `simulate` verb to the `pharmasynth trials` sub-parsers."""
    s = verbs.add_parser("simulate", help="type I error and power of trial designs, simulated from a twin",
                         description=SIMULATE_HELP, formatter_class=FORMAT)
    s.add_argument("--endpoint", choices=["continuous", "survival"],
                   help="what to simulate (default: survival with --design or an event-only twin, else continuous)")
    s.add_argument("--twin", help="folder of a saved twin (required for continuous outcomes)")
    s.add_argument("--pool", help="CSV of baseline covariates to resample patients from")
    s.add_argument("--outcome", help="continuous: visit to simulate (default: the twin's last visit)")
    s.add_argument("--n-per-arm", type=int, nargs="+", default=[100], help="continuous: patients per arm (first one: type I error)")
    s.add_argument("--effects", type=float, nargs="+", default=[0.0, 10.0, 20.0, 30.0], help="continuous: true effects for power")
    s.add_argument("--n-trials", type=int, default=10_000, help="trials for the type I error / per survival scenario (default 10000)")
    s.add_argument("--power-trials", type=int, default=2000, help="continuous: trials per power-curve point (default 2000)")
    s.add_argument("--designs", nargs="+", default=["unadjusted", "procova", "synthetic_control"],
                   choices=["unadjusted", "procova", "synthetic_control"], help="continuous: designs to simulate")
    s.add_argument("--design", help="survival: design.json written by `pharmasynth trials design`")
    s.add_argument("--hrs", type=float, nargs="+",
                   help="survival: true hazard ratios to simulate (default: 1 and the design's HR)")
    s.add_argument("--time-ratios", type=float, nargs="+",
                   help="survival, instead of --hrs: treated event times = control times x ratio (an RMST shift, "
                        "not proportional hazards)")
    s.add_argument("--analyses", nargs="+", default=["logrank"], choices=["logrank", "cox", "cox_adjusted", "rmst"],
                   help="survival: analyses run at every look, each against the design's bounds "
                        "(cox_adjusted: Cox on treatment + the twin's risk score)")
    s.add_argument("--rmst-tau", type=float,
                   help="survival: RMST horizon (default: the last time observed in both arms at each look)")
    s.add_argument("--control-fraction", type=float,
                   help="share of the control arm that is randomised in the synthetic-control / hybrid design "
                        "(default: 0.5 for continuous; survival: no hybrid design)")
    s.add_argument("--drift", type=float, default=0.0,
                   help="shift of the enrolled population vs the twin (continuous: outcome units; survival: log hazard ratio)")
    s.add_argument("--alpha", type=float, default=0.05, help="continuous: two-sided alpha (survival: the design's)")
    s.add_argument("--seed", type=int, default=0, help="random_state")
    s.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address (default: in-process or $PHARMASYNTH_SCHEDULER); passed as client=")
    s.add_argument("--out", required=True, help="output folder")
    s.set_defaults(func=_simulate)
