"""`pharmasynth trials analyze` (registered by cli/trials.py).

Every output is computed first and written atomically last, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

from pathlib import Path

from ._common import FORMAT, filter_rows, load_twin_folder, naming_file, with_csv_lines

ANALYZE_HELP = """Analyse a two-arm trial; every interval at 1 - alpha.

continuous outcome (--outcome): unadjusted, ANCOVA (--covariates), PROCOVA (the twin's prediction
  or --score as a covariate); OLS with HC3-robust SE.
time to event (--time, --event): Cox (treatment only, + covariates, + the twin's risk score,
  stratified by --strata), each with its proportional-hazards test; log-rank (plain, stratified,
  covariate-adjusted); RMST and survival at tau, unadjusted and covariate-adjusted (augmented
  Kaplan-Meier with a robust SE: same estimand as unadjusted, smaller SE). The Cox HR with a
  prognostic covariate is a different (conditional) estimand and gains no precision.

writes  OUT/analysis.json   {"analyses": [{method, estimand, effect, se, ci_low, ci_high, p_value, n,
                              events, covariates, strata, alpha, ...}, ...], "cox_models": ..., ...}
        OUT/report.html, OUT/report.json (estimates table first)

examples (the shipped ACTG 175 trial, arms 0 vs 1):
  pharmasynth trials analyze data/actg175/actg175.csv --treatment arms --where 'arms in [0, 1]' \\
      --id pidnum --time days --event cens --covariates age karnof cd40 --strata gender \\
      --alpha 0.1 --out out/analysis
  pharmasynth trials analyze data/actg175/actg175.csv --treatment arms --where 'arms in [0, 1]' \\
      --outcome cd420 --covariates cd40 age --out out/analysis_cd420
  pharmasynth trials analyze data/actg175/actg175.csv --treatment arms --where 'arms in [0, 1]' \\
      --outcome cd420 --twin out/twin --out out/procova      # PROCOVA; out/twin: `trials fit --help`"""


def _arm_label(text):
    """CLI arm labels are text; compare as numbers when they look like numbers."""
    from ._common import parse_assignments

    return None if text is None else parse_assignments([f"arm={text}"], "--treated/--control")["arm"]


@with_csv_lines
def _analyze(args) -> int:
    from ..errors import UsageError
    from ..trials import analyze_trial
    from ._common import read_input_table

    if args.outcome is None and not (args.time and args.event):
        raise UsageError("give --outcome COL, or --time COL and --event COL (or all three).")
    if bool(args.time) != bool(args.event):
        raise UsageError("--time and --event go together.")
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha {args.alpha} must be in (0, 1).")
    trial = filter_rows(read_input_table(args.trial, "trial"), args.where, args.trial)
    twin = load_twin_folder(args.twin) if args.twin else None
    with naming_file(args.trial):
        res = analyze_trial(trial, treatment=args.treatment, outcome=args.outcome, twin=twin, score=args.score,
                            covariates=args.covariates, strata=args.strata, procova_covariates=args.procova_covariates,
                            visit=args.visit, time=args.time, event=args.event, tau=args.tau, alpha=args.alpha,
                            hc=args.hc, ties=args.ties, robust=args.robust, id=args.id,
                            treated=_arm_label(args.treated), control=_arm_label(args.control),
                            title=f"Trial analysis: {Path(args.trial).name}",
                            meta={"trial": str(args.trial), "twin": args.twin, "where": args.where})
    paths = res.write(args.out)
    table = res.summary().reset_index()
    print(f"{len(trial)} patients; intervals at {1 - args.alpha:.0%}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for w in res.to_dict().get("warnings", []):
        print(f"warning: {w}")
    print(f"written: {paths['analysis']}, {paths['html']}")
    return 0


def register_analysis(verbs) -> None:
    """Add the `analyze` verb to the `pharmasynth trials` sub-parsers."""
    p = verbs.add_parser("analyze", help="analyse a two-arm trial: continuous (ANCOVA/PROCOVA) and time to event "
                         "(Cox, log-rank, adjusted RMST)", description=ANALYZE_HELP, formatter_class=FORMAT)
    p.add_argument("trial", metavar="FILE", help="trial table (CSV or Parquet): one row per patient")
    p.add_argument("--treatment", required=True, help="arm column (two arms; filter others with --where)")
    p.add_argument("--outcome", help="continuous outcome column, e.g. cd420 (default: none; optional with --time/--event)")
    p.add_argument("--time", help="time-to-event column (with --event) (default: none)")
    p.add_argument("--event", help="event indicator column, 1 = event, 0 = censored (default: none)")
    p.add_argument("--covariates", nargs="+", default=[], help="baseline covariates for ANCOVA, the adjusted Cox, "
                   "adjusted log-rank, RMST and survival at tau (default: none)")
    p.add_argument("--strata", nargs="+", default=[], help="stratification columns: stratified Cox and log-rank "
                   "(default: none)")
    p.add_argument("--treated", help="label of the treated arm (default: 1 of 0/1, yes of no/yes)")
    p.add_argument("--control", help="label of the control arm (default: the other arm)")
    p.add_argument("--twin", "--score-from", dest="twin", help="folder of a saved twin: its prediction is the PROCOVA "
                   "covariate, its risk score adjusts the survival analyses (default: none)")
    p.add_argument("--score", help="column holding a precomputed prognostic score, instead of --twin (default: none)")
    p.add_argument("--visit", help="twin visit to use as the PROCOVA score (default: --outcome)")
    p.add_argument("--procova-covariates", action="store_true", help="also add --covariates to PROCOVA (default: off)")
    p.add_argument("--where", help="keep only the rows where this rule holds, e.g. 'arms in [0, 1]' (default: all rows)")
    p.add_argument("--id", help="patient id column; duplicated ids are an error (default: not checked)")
    p.add_argument("--tau", type=float, help="RMST / survival horizon (default: the smaller arm's last follow-up)")
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided level; every interval is at 1 - alpha "
                   "(default: 0.05)")
    p.add_argument("--hc", default="HC3", choices=["HC0", "HC1", "HC2", "HC3"], help="robust SE of the OLS "
                   "analyses (default: HC3)")
    p.add_argument("--ties", default="efron", choices=["efron", "breslow"], help="Cox tie handling (default: efron)")
    p.add_argument("--robust", action="store_true", help="robust (sandwich) SE for the Cox models (default: off)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=_analyze)
