"""Figures come from the metric rows alone, without pyplot, and the rows stay small."""

import json
import subprocess
import sys

from matplotlib.figure import Figure

from pharmasynth.evaluation import evaluate
from pharmasynth.evaluation.plots import report_figures


def _longest_list(x):
    if isinstance(x, dict):
        return max((_longest_list(v) for v in x.values()), default=0)
    if isinstance(x, list):
        return max([len(x)] + [_longest_list(v) for v in x])
    return 0


def test_figures_are_drawn_from_rows_that_carry_summaries_not_raw_arrays(tables):
    real, fresh, holdout = (t.iloc[:400] for t in tables)
    report = evaluate(real, fresh, holdout=holdout, random_state=0, plots=False)
    figures = report_figures(report.metrics)
    assert [(t, s) for t, _, _, s in figures] == [
        ("Marginals: real vs synthetic (worst columns first)", "fidelity"),
        ("Pair trends: 1 - similarity per column pair", "fidelity"),
        ("Distance to closest record", "privacy"),
        ("Membership-inference ROC curves", "privacy")]
    assert all(isinstance(f, Figure) and f.canvas.manager is None for _, f, _, _ in figures)
    assert "members (training rows)" in figures[-1][2]

    details = {m.name: m.details for m in report.metrics}
    shapes = {r["column"]: r["histogram"] for r in details["column_shape"]["per_column"]}
    assert len(shapes["x"]["edges"]) == 30 and sum(shapes["x"]["real"]) >= 0.98 * len(real)   # counts on 29 bins
    assert shapes["grade"]["categories"][0] in ("low", "mid", "high") and shapes["grade"]["n_real"] == len(real)
    hist = details["dcr_baseline_protection"]["dcr_histogram"]
    assert len(hist["edges"]) == 40 and len(hist["train"]) == len(hist["holdout"]) == 39
    assert sum(hist["train"]) >= 0.99 * len(fresh)     # (nearly) every synthetic row's DCR, binned
    roc = details["mia_distance_auc"]["roc"]
    assert 2 <= len(roc["fpr"]) == len(roc["tpr"]) <= 200 and roc["fpr"][0] == 0 and roc["tpr"][-1] == 1
    assert _longest_list([m.to_dict() for m in report.metrics]) <= 200
    assert len(json.loads(report.to_json())["metrics"]) == len(report.metrics)


def test_evaluate_with_plots_never_imports_pyplot():
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from pharmasynth.evaluation import evaluate\n"
        "rng = np.random.default_rng(0)\n"
        "def table(n):\n"
        "    x = rng.normal(size=n)\n"
        "    return pd.DataFrame({'x': x, 'y': x + rng.normal(size=n), 'c': rng.choice(['a', 'b'], n)})\n"
        "rep = evaluate(table(150), table(150), holdout=table(100), random_state=0)\n"
        "assert len(rep.figures) == 4, [f.title for f in rep.figures]\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
