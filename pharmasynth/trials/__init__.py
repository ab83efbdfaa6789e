"""pharmasynth.trials: digital twins, synthetic control arms, PROCOVA, trial simulation.

    from pharmasynth.trials import DigitalTwin, load_actg175
    twin = DigitalTwin(baseline=[...], visits=["cd420", "cd496"], time="days", event="cens").fit(controls)
    twin.predict(trial); twin.predict_interval(trial, 0.95); twin.sample(trial, n_draws=100)

Synthetic patient tables (GaussianCopula, TabularVAE) live in `pharmasynth.tabular`.
"""

from .._util.deprecation import moved_names
from .analysis import (ancova, compare, cox_with_prognostic_score, effective_sample_size, km_curves, logrank,
                       procova, rmst_difference, sample_size_procova, unadjusted)
from .control_arm import ExternalControl, balance_table, external_control, synthetic_control_arm
from .data import (ACTG175_ARMS, ACTG175_BASELINE, GBSG2_BASELINE, TrialSchema, actg175_schema, gbsg2_schema,
                   load_actg175, load_gbsg2, to_long, to_wide)
from .simulate import LinearGaussianTwin, SimulationResult, power_curve, simulate_trials
from .twin import DigitalTwin
from .validation import evaluate_synthetic_patients, event_calibration, km_overlap, validate_twin, visit_accuracy

__all__ = [
    "ACTG175_ARMS", "ACTG175_BASELINE", "DigitalTwin", "ExternalControl", "GBSG2_BASELINE", "LinearGaussianTwin",
    "SimulationResult", "TrialSchema", "actg175_schema", "ancova", "balance_table", "compare",
    "cox_with_prognostic_score", "effective_sample_size", "evaluate_synthetic_patients", "event_calibration",
    "external_control", "gbsg2_schema", "km_curves", "km_overlap", "load_actg175", "load_gbsg2", "logrank",
    "power_curve", "procova", "rmst_difference", "sample_size_procova", "simulate_trials", "synthetic_control_arm",
    "to_long", "to_wide", "unadjusted", "validate_twin", "visit_accuracy",
]

__getattr__ = moved_names(__name__, {
    "GaussianCopula": "pharmasynth.tabular:GaussianCopula",
    "TabularVAE": "pharmasynth.tabular:TabularVAE",
    "load_generator": "pharmasynth.tabular:load_synthesizer",
})
