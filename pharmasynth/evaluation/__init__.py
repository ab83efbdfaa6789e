"""The shared evaluation core: fidelity, utility, privacy and validity in one report.

    from pharmasynth.evaluation import evaluate
    report = evaluate(real, synthetic, holdout=holdout, target="cd420", sensitive=["race"], rules="rules.toml")
    report.score(); report.details(); report.summary(); report.write("out/")   # report.json + report.html

Each group has a producer returning metric rows (`list[MetricResult]`): `fidelity_metrics`,
`utility_metrics`, `privacy_metrics` (and `RuleSet.metrics`); `evaluate` runs them all on aligned
tables, checks the privacy gates (`gates`) and draws the figures from the rows; with
`calibrate=True` it also scores four controls made from the same real data (`calibrate`).
The overall score exists only when every weighted group was scored; see `Report.headline()`.
"""

from .._util.parallel import parallel_map
from .adherence import adherence_metrics
from .anonymeter_risks import anonymeter_metrics, inference_risk, linkability_risk, singling_out_risk
from .anonymity import anonymity_metrics
from .attacks import attribute_inference_metrics, membership_inference_metrics
from .baselines import IndependentMarginals
from .calibrate import calibration_table, control_tables
from .columns import ColumnOptions
from .dates import infer_date_format, parse_dates
from .deprecated import fidelity_report, privacy_report, utility_report
from .evaluate import evaluate
from .fidelity import fidelity_metrics
from .gates import Gate, evaluate_gates
from .lead import KeyNumber, Lead, format_number, grade, headline_lead, metric_status
from .metric import (GROUPS, MetricResult, clopper_pearson_interval, comparator, guarded, metric, score_from_value,
                     wilson_interval)
from .neighbours import dcr, nearest_distances
from .privacy import dcr_baseline_protection, dcr_overfitting_protection, privacy_metrics
from .report import Report
from .rules import Rule, RuleSet, as_ruleset
from .temporal import date_metrics, temporal_order_metrics
from .tabular import TableSchema, align_tables, holdout_split, infer_schema, read_table
from .utility import utility_metrics

__all__ = [
    "adherence_metrics", "align_tables", "anonymeter_metrics", "anonymity_metrics", "as_ruleset",
    "attribute_inference_metrics", "calibration_table", "clopper_pearson_interval", "ColumnOptions", "comparator",
    "control_tables", "date_metrics", "dcr", "dcr_baseline_protection", "dcr_overfitting_protection", "evaluate",
    "evaluate_gates", "fidelity_metrics", "format_number", "grade", "headline_lead", "KeyNumber", "Lead", "metric_status", "fidelity_report", "Gate", "GROUPS", "guarded", "holdout_split",
    "IndependentMarginals", "infer_date_format", "infer_schema", "inference_risk", "linkability_risk",
    "membership_inference_metrics", "metric", "MetricResult", "nearest_distances", "parallel_map", "parse_dates",
    "privacy_metrics", "privacy_report", "read_table", "Report", "Rule", "RuleSet", "score_from_value",
    "singling_out_risk", "TableSchema", "temporal_order_metrics", "utility_metrics", "utility_report",
    "wilson_interval",
]
