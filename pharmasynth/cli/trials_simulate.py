"""`pharmasynth trials simulate` (registered by cli/trials.py).

Every output is computed first and written atomically last, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

from ._common import FORMAT, load_twin_folder, naming_file, with_csv_lines

SIMULATE_HELP = """Simulate many trials from a saved twin: type I error (effect 0) and power across effects
and sample sizes for the unadjusted, PROCOVA and synthetic-control designs, each with its Monte
Carlo SE. Vectorised; --scheduler tcp://HOST:PORT fans chunks out to a Dask cluster.

writes  OUT/simulation.json  {"type_one_error": [...], "power_curve": [...], "settings": {...}}
        OUT/report.html, OUT/report.json

example:
  pharmasynth trials simulate --twin out/twin/model --pool data/actg175/actg175.csv --outcome cd420 \\
      --n-per-arm 100 200 --effects 0 20 40 --n-trials 10000 --out out/simulation"""


@with_csv_lines
def _simulate(args) -> int:
    from ..trials import simulate_designs
    from ._common import read_input_table

    twin = load_twin_folder(args.twin)
    pool = read_input_table(args.pool, "baseline pool")
    with naming_file(args.pool):
        res = simulate_designs(twin, pool, n_per_arm=args.n_per_arm, effects=args.effects, n_trials=args.n_trials,
                               power_trials=args.power_trials, designs=args.designs, outcome=args.outcome,
                               alpha=args.alpha, random_state=args.seed, client=args.scheduler,
                               control_fraction=args.control_fraction, drift=args.drift,
                               meta={"twin": str(args.twin), "pool": str(args.pool)})
    paths = res.write(args.out)
    print(res.type_one_error)
    print(f"written: {paths['simulation']}, {paths['html']}")
    return 0


def register_simulate(verbs) -> None:
    """Add the `simulate` verb to the `pharmasynth trials` sub-parsers."""
    s = verbs.add_parser("simulate", help="type I error and power of trial designs, simulated from a twin",
                         description=SIMULATE_HELP, formatter_class=FORMAT)
    s.add_argument("--twin", required=True, help="folder of a saved twin")
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
    s.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address (default: in-process or $PHARMASYNTH_SCHEDULER); passed as client=")
    s.add_argument("--out", required=True, help="output folder")
    s.set_defaults(func=_simulate)
