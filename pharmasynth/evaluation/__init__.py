"""The shared evaluation core: fidelity, utility, privacy and validity in one report.

    from pharmasynth.evaluation import evaluate
    report = evaluate(real, synthetic, holdout=holdout, target="cd420", sensitive=["race"], rules="rules.toml")
    report.score(); report.details(); report.summary(); report.write("out/")   # report.json + report.html

Each group has a producer returning metric rows (`list[MetricResult]`): `fidelity_metrics`,
`utility_metrics`, `privacy_metrics` (and `RuleSet.metrics`); `evaluate` runs them all on aligned
tables and draws the figures from the rows.
"""

from .._util.parallel import parallel_map
from .attacks import attribute_inference_metrics, membership_inference_metrics
from .baselines import IndependentMarginals
from .deprecated import fidelity_report, privacy_report, utility_report
from .evaluate import evaluate
from .fidelity import fidelity_metrics
from .metric import GROUPS, MetricResult, guarded, metric, score_from_value
from .neighbours import dcr, nearest_distances
from .privacy import dcr_baseline_protection, dcr_overfitting_protection, privacy_metrics
from .report import Report
from .rules import Rule, RuleSet, as_ruleset
from .tabular import TableSchema, align_tables, holdout_split, infer_schema, read_table
from .utility import utility_metrics

__all__ = [
    "GROUPS", "IndependentMarginals", "MetricResult", "Report", "Rule", "RuleSet", "TableSchema", "align_tables",
    "as_ruleset", "attribute_inference_metrics", "dcr", "dcr_baseline_protection", "dcr_overfitting_protection",
    "evaluate", "fidelity_metrics", "fidelity_report", "guarded", "holdout_split", "infer_schema",
    "membership_inference_metrics", "metric", "nearest_distances", "parallel_map", "privacy_metrics",
    "privacy_report", "read_table", "score_from_value", "utility_metrics", "utility_report",
]
