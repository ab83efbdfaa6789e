"""The shared evaluation core: fidelity, utility, privacy and validity in one report.

    from pharmasynth.evaluation import evaluate
    report = evaluate(real, synthetic, holdout=holdout, target="cd420", sensitive=["race"], rules="rules.toml")
    report.score(); report.details(); report.to_html("report.html"); report.to_json("report.json")
"""

from .baselines import IndependentMarginals
from .evaluate import evaluate
from .fidelity import fidelity_report
from .metric import GROUPS, MetricResult, guarded, metric
from .neighbours import dcr, nearest_distances
from .._util.parallel import parallel_map
from .privacy import dcr_baseline_protection, dcr_overfitting_protection, privacy_report
from .report import Report
from .rules import Rule, RuleSet
from .tabular import TableSchema, align_tables, infer_schema, read_table
from .utility import utility_report

__all__ = [
    "GROUPS", "IndependentMarginals", "MetricResult", "Report", "Rule", "RuleSet", "TableSchema", "align_tables",
    "dcr", "dcr_baseline_protection", "dcr_overfitting_protection", "evaluate", "fidelity_report", "guarded", "infer_schema", "metric", "nearest_distances", "parallel_map",
    "privacy_report", "read_table", "utility_report",
]
