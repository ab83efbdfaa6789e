"""The evaluation core's old entry points, kept one release: each warns (FutureWarning) and
returns a `Report` built from the producer that replaces it."""

from __future__ import annotations

from .._util.deprecation import warn_deprecated
from .fidelity import fidelity_metrics
from .plots import report_figures
from .privacy import privacy_metrics
from .report import Report
from .utility import utility_metrics


def fidelity_report(real, synthetic, schema, **kwargs) -> Report:
    """Deprecated: `Report(fidelity_metrics(...))`."""
    warn_deprecated("pharmasynth.evaluation.fidelity_report", "fidelity_metrics (a list of MetricResult)")
    return Report(fidelity_metrics(real, synthetic, schema, **kwargs))


def utility_report(real, synthetic, holdout, schema, target, **kwargs) -> Report:
    """Deprecated: `Report(utility_metrics(...))`."""
    warn_deprecated("pharmasynth.evaluation.utility_report", "utility_metrics (a list of MetricResult)")
    return Report(utility_metrics(real, synthetic, holdout, schema, target, **kwargs))


def privacy_report(real, synthetic, holdout, schema, *, plots: bool = True, **kwargs) -> Report:
    """Deprecated: `Report(privacy_metrics(...))`, with the privacy figures when `plots`."""
    warn_deprecated("pharmasynth.evaluation.privacy_report", "privacy_metrics (a list of MetricResult)")
    report = Report(privacy_metrics(real, synthetic, holdout, schema, **kwargs))
    if plots:
        for title, fig, caption, section in report_figures(report.metrics):
            report.add_figure(title, fig, caption, section=section)
    return report
