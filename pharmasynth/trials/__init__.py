"""pharmasynth.trials: digital twins, synthetic control arms, PROCOVA, trial simulation.

    from pharmasynth.trials import DigitalTwin, load_actg175
    twin = DigitalTwin(baseline=[...], visits=["cd420", "cd496"], time="days", event="cens").fit(controls)
    twin.predict(trial); twin.predict_interval(trial, 0.95); twin.sample(trial, n_draws=100)

    data.py         TrialSchema, long <-> wide, the ACTG 175 and GBSG2 schemas (loaders from pharmasynth.datasets)
    twin/           DigitalTwin (linear or neural), LinearGaussianTwin (known parameters)
    analysis.py     unadjusted / ANCOVA / PROCOVA with robust SEs (batched least squares)
    survival/       KM, log-rank (plain / stratified / covariate-adjusted), Cox (covariates, strata, PH test),
                    RMST and survival at tau (unadjusted and covariate-adjusted)
    survival_analysis.py  every time-to-event analysis of a trial as rows of one table
    design_matrix.py      rank / condition / constant / outcome-copy checks before any fit
    multiple_draws.py     Rubin's rules; combining the draws of a synthetic control arm
    twin_discrimination.py  Harrell's C, time-dependent AUC and calibration at tau of a twin's risk score
    design/         sample sizes (continuous: normal / exact t, PROCOVA), events (Schoenfeld, Freedman),
                    patients and duration, group-sequential boundaries (Lan-DeMets, exact integration)
    design_workflows.py   design_trial (what `pharmasynth trials design` calls)
    design_simulation.py  simulate_design: survival designs simulated from a twin
    survival_simulation.py / survival_batched.py  stacked survival trials; log-rank, Cox, RMST per look
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
from .design import (ControlHazard, GroupSequentialDesign, accrual_plan, conservative_rho, crossing_probabilities,
                     dropout_hazard, effective_sample_size, efficacy_bounds, expected_events, group_sequential_design,
                     required_events, sample_size_procova, spend)
from .design_matrix import check_design_matrix
from .design_report import boundary_figure, design_lead, design_simulation_lead, power_curve_figure
from .report_lead import analysis_lead, twin_validation_lead, type_one_error_numbers
from .design_simulation import DesignSimulationResult, simulate_design
from .design_workflows import DesignResult, design_trial
from .multiple_draws import perturbed_twin, rubin_combine, synthetic_arm_combine, synthetic_control_effect
from .report import (coverage_metric, km_figure, power_curves_figure, predictive_bands_figure, trajectories_figure,
                     type_one_error_metrics)
from .simulate import SimulationResult, TrialStack, analyse_stack, draw_trials, power_curve, simulate_trials
from .survival import (CoxResult, cox, cox_with_prognostic_score, km_curves, logrank, logrank_adjusted, logrank_rows,
                       rmst_adjusted, rmst_difference, rmst_rows, survival_at_tau_adjusted, survival_at_tau_rows)
from .survival_analysis import SurvivalAnalyses, survival_analyses
from .survival_simulation import SurvivalStack, draw_survival_trials, twin_control_hazard
from .twin_discrimination import calibration_at_tau, harrell_c, time_dependent_auc
from .twin import DigitalTwin, LinearGaussianTwin, load_twin
from .validation import evaluate_synthetic_patients, event_calibration, km_overlap, validate_twin, visit_accuracy
from .workflows import (ControlArms, DesignSimulation, TrialAnalysis, TwinFit, analyze_trial, control_arms, fit_twin,
                        simulate_designs)

__all__ = [
    "analysis_lead", "design_lead", "design_simulation_lead", "twin_validation_lead", "type_one_error_numbers",
    "accrual_plan", "ACTG175_ARMS", "ACTG175_BASELINE", "actg175_schema", "analyse_stack", "AnalysisResult",
    "analyze_trial", "ancova", "balance_table", "boundary_figure", "calibration_at_tau", "check_design_matrix",
    "compare", "conservative_rho", "control_arms", "ControlArms", "ControlHazard", "coverage_metric", "cox",
    "cox_with_prognostic_score", "CoxResult", "crossing_probabilities", "design_trial", "DesignResult",
    "DesignSimulation", "DesignSimulationResult", "DigitalTwin", "draw_survival_trials", "draw_trials",
    "dropout_hazard", "effective_sample_size", "efficacy_bounds", "evaluate_synthetic_patients",
    "event_calibration", "expected_events", "external_control", "ExternalControl", "fit_twin", "GBSG2_BASELINE",
    "gbsg2_schema", "group_sequential_design", "GroupSequentialDesign", "harrell_c", "km_curves", "km_figure",
    "km_overlap", "LinearGaussianTwin", "load_actg175", "load_gbsg2", "load_twin", "logrank", "logrank_adjusted",
    "logrank_rows", "perturbed_twin", "power_curve", "power_curve_figure", "power_curves_figure",
    "predictive_bands_figure", "procova", "required_events", "rmst_adjusted", "rmst_difference", "rmst_rows",
    "rubin_combine", "sample_size_procova", "simulate_design", "simulate_designs", "simulate_trials",
    "SimulationResult", "spend", "survival_analyses", "survival_at_tau_adjusted", "survival_at_tau_rows",
    "SurvivalAnalyses", "SurvivalStack", "synthetic_arm_combine", "synthetic_control_arm",
    "synthetic_control_effect", "time_dependent_auc", "to_long", "to_wide", "trajectories_figure", "TrialAnalysis",
    "TrialSchema", "TrialStack", "twin_control_hazard", "TwinFit", "type_one_error_metrics", "unadjusted",
    "validate_twin", "visit_accuracy",
]

__getattr__ = moved_names(__name__, {
    "GaussianCopula": "pharmasynth.tabular:GaussianCopula",
    "TabularVAE": "pharmasynth.tabular:TabularVAE",
    "load_generator": "pharmasynth.tabular:load_synthesizer",
})
