"""pharmasynth.trials: digital twins, synthetic control arms, PROCOVA, trial simulation.

    from pharmasynth.trials import DigitalTwin, load_actg175
    twin = DigitalTwin(baseline=[...], visits=["cd420", "cd496"], time="days", event="cens").fit(controls)
    twin.predict(trial); twin.predict_interval(trial, 0.95); twin.sample(trial, n_draws=100)

    data.py         TrialSchema, long <-> wide, the ACTG 175 and GBSG2 schemas (loaders from pharmasynth.datasets)
    twin/           DigitalTwin (linear or neural), LinearGaussianTwin (known parameters)
    analysis.py     unadjusted / ANCOVA / PROCOVA with robust SEs (batched least squares)
    survival.py     Kaplan-Meier, log-rank, Cox with a prognostic score, RMST difference
    design.py       sample sizes (PROCOVA vs unadjusted), effective sample size
    control_arm.py  the twin's synthetic control arm; propensity-score external controls
    simulate.py     type I error and power of designs from thousands of simulated trials
    validation.py   is the twin right? (held-out controls); synthetic patients vs real
    report.py       figures and metric rows of the trial reports
    workflows.py    what the CLI and the demo do: fit_twin, analyze_trial, simulate_designs, control_arms

Synthetic patient tables (GaussianCopula, TabularVAE) live in `pharmasynth.tabular`.
"""

from .._util.deprecation import moved_names
from .analysis import AnalysisResult, ancova, compare, procova, unadjusted
from .control_arm import ExternalControl, balance_table, external_control, synthetic_control_arm
from .data import (ACTG175_ARMS, ACTG175_BASELINE, GBSG2_BASELINE, TrialSchema, actg175_schema, gbsg2_schema,
                   load_actg175, load_gbsg2, to_long, to_wide)
from .design import effective_sample_size, sample_size_procova
from .report import (coverage_metric, km_figure, power_curves_figure, predictive_bands_figure, trajectories_figure,
                     type_one_error_metrics)
from .simulate import SimulationResult, TrialStack, analyse_stack, draw_trials, power_curve, simulate_trials
from .survival import cox_with_prognostic_score, km_curves, logrank, rmst_difference
from .twin import DigitalTwin, LinearGaussianTwin, load_twin
from .validation import evaluate_synthetic_patients, event_calibration, km_overlap, validate_twin, visit_accuracy
from .workflows import (ControlArms, DesignSimulation, TrialAnalysis, TwinFit, analyze_trial, control_arms, fit_twin,
                        simulate_designs)

__all__ = [
    "ACTG175_ARMS", "ACTG175_BASELINE", "AnalysisResult", "ControlArms", "DesignSimulation", "DigitalTwin",
    "ExternalControl", "GBSG2_BASELINE", "LinearGaussianTwin", "SimulationResult", "TrialAnalysis", "TrialSchema",
    "TrialStack", "TwinFit", "actg175_schema", "analyse_stack", "analyze_trial", "ancova", "balance_table",
    "compare", "control_arms", "coverage_metric", "cox_with_prognostic_score", "draw_trials",
    "effective_sample_size", "evaluate_synthetic_patients", "event_calibration", "external_control", "fit_twin",
    "gbsg2_schema", "km_curves", "km_figure", "km_overlap", "load_actg175", "load_gbsg2", "load_twin", "logrank",
    "power_curve", "power_curves_figure", "predictive_bands_figure", "procova", "rmst_difference",
    "sample_size_procova", "simulate_designs", "simulate_trials", "synthetic_control_arm", "to_long", "to_wide",
    "trajectories_figure", "type_one_error_metrics", "unadjusted", "validate_twin", "visit_accuracy",
]

__getattr__ = moved_names(__name__, {
    "GaussianCopula": "pharmasynth.tabular:GaussianCopula",
    "TabularVAE": "pharmasynth.tabular:TabularVAE",
    "load_generator": "pharmasynth.tabular:load_synthesizer",
})
