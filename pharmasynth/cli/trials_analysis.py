"""`pharmasynth trials analyze` and `pharmasynth trials simulate` (registered by cli/trials.py).

Every output is computed first and written atomically last, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ._common import FORMAT, with_csv_lines

ANALYZE_HELP = """Analyse a two-arm trial: unadjusted, ANCOVA (with --covariates) and PROCOVA (the twin's
prediction as a covariate), each with HC3-robust SE, CI and p-value; with --time/--event also
Kaplan-Meier curves, log-rank, Cox with the twin's prognostic score and the RMST difference.

writes  OUT/analysis.json   {"analyses": [{effect, se, ci_low, ci_high, p_value, n, method}, ...], ...}
        OUT/report.html, OUT/report.json

example:
  pharmasynth trials analyze trial.csv --twin out/twin/model --outcome cd420 --treatment arms \\
      --treated 1 --control 0 --covariates cd40 age --out out/analysis"""

SIMULATE_HELP = """Simulate many trials from a saved twin: type I error (effect 0) and power across effects
and sample sizes for the unadjusted, PROCOVA and synthetic-control designs, each with its Monte
Carlo SE. Vectorised; --scheduler tcp://HOST:PORT fans chunks out to a Dask cluster.

writes  OUT/simulation.json  {"type_one_error": [...], "power_curve": [...], "settings": {...}}
        OUT/report.html, OUT/report.json

example:
  pharmasynth trials simulate --twin out/twin/model --pool data/actg175/actg175.csv --outcome cd420 \\
      --n-per-arm 100 200 --effects 0 20 40 --n-trials 10000 --out out/simulation"""


@contextmanager
def naming_file(path):
    """Errors raised inside name the input file they come from."""
    from ..errors import PharmasynthError

    try:
        yield
    except PharmasynthError as exc:
        raise type(exc)(f"{path}: {exc}") from exc


def load_twin_folder(path):
    """The saved twin in `path` (a DigitalTwin or LinearGaussianTwin), with errors that say which command writes one."""
    from ..trials import load_twin
    from ._common import model_class

    model_class(path, "pharmasynth trials fit")
    return load_twin(path)


def _arm_label(text):
    """CLI arm labels are text; compare as numbers when they look like numbers."""
    from ._common import parse_assignments

    return None if text is None else parse_assignments([f"arm={text}"], "--treated/--control")["arm"]


@with_csv_lines
def _analyze(args) -> int:
    from ..trials import analyze_trial
    from ._common import read_input_table

    trial = read_input_table(args.trial, "trial")
    twin = load_twin_folder(args.twin) if args.twin else None
    with naming_file(args.trial):
        res = analyze_trial(trial, treatment=args.treatment, outcome=args.outcome, twin=twin, score=args.score,
                            covariates=args.covariates, procova_covariates=args.procova_covariates, visit=args.visit,
                            time=args.time, event=args.event, tau=args.tau, alpha=args.alpha, hc=args.hc,
                            treated=_arm_label(args.treated), control=_arm_label(args.control),
                            title=f"Trial analysis: {Path(args.trial).name}",
                            meta={"trial": str(args.trial), "twin": args.twin})
    paths = res.write(args.out)
    print(res.summary().drop(columns="se_ratio").reset_index().to_string(index=False))
    print(f"written: {paths['analysis']}, {paths['html']}")
    return 0


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


def register_analysis(verbs) -> None:
    """Add the `analyze` and `simulate` verbs to the `pharmasynth trials` sub-parsers."""
    p = verbs.add_parser("analyze", help="unadjusted / ANCOVA / PROCOVA analysis of a trial CSV (+ time to event)",
                         description=ANALYZE_HELP, formatter_class=FORMAT)
    p.add_argument("trial", help="trial table (CSV or Parquet): one row per patient")
    p.add_argument("--outcome", required=True, help="continuous outcome column (e.g. cd420)")
    p.add_argument("--treatment", required=True, help="arm column (two arms)")
    p.add_argument("--treated", help="label of the treated arm (needed unless the arm column is 0/1 or no/yes)")
    p.add_argument("--control", help="label of the control arm")
    p.add_argument("--twin", help="folder of a saved twin (its prediction is the PROCOVA covariate)")
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
