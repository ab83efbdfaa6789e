"""`pharmasynth trials analyze` (registered by cli/trials.py).

Every output is computed first and written atomically last, so a failed run leaves nothing
half-written.
"""

from __future__ import annotations

from pathlib import Path

from ._common import FORMAT, load_twin_folder, naming_file, with_csv_lines

ANALYZE_HELP = """Analyse a two-arm trial: unadjusted, ANCOVA (with --covariates) and PROCOVA (the twin's
prediction as a covariate), each with HC3-robust SE, CI and p-value; with --time/--event also
Kaplan-Meier curves, log-rank, Cox with the twin's prognostic score and the RMST difference.

writes  OUT/analysis.json   {"analyses": [{effect, se, ci_low, ci_high, p_value, n, method}, ...], ...}
        OUT/report.html, OUT/report.json

example:
  pharmasynth trials analyze trial.csv --twin out/twin/model --outcome cd420 --treatment arms \\
      --treated 1 --control 0 --covariates cd40 age --out out/analysis"""

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


def register_analysis(verbs) -> None:
    """Add the `analyze` verb to the `pharmasynth trials` sub-parsers."""
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
