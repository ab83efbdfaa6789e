"""Trial design: sample sizes, event counts, group-sequential boundaries.

continuous.py        sample_size_procova (normal or exact t, PROCOVA 1 - rho^2), effective_sample_size
events.py            required events (Schoenfeld, Freedman); patients and duration from accrual,
                     control hazard (exponential / piecewise / a twin's Weibull), dropout, follow-up
spending.py          Lan-DeMets spending functions (O'Brien-Fleming-type, Pocock-type, Hwang-Shih-DeCani)
group_sequential.py  boundaries by exact recursive numerical integration; crossing probabilities
"""

from .continuous import conservative_rho, effective_sample_size, sample_size_procova
from .events import ControlHazard, accrual_plan, dropout_hazard, expected_events, required_events
from .group_sequential import GroupSequentialDesign, crossing_probabilities, efficacy_bounds, group_sequential_design
from .spending import SPENDING, spend

__all__ = ["ControlHazard", "GroupSequentialDesign", "SPENDING", "accrual_plan", "conservative_rho",
           "crossing_probabilities", "dropout_hazard", "effective_sample_size", "efficacy_bounds", "expected_events",
           "group_sequential_design", "required_events", "sample_size_procova", "spend"]
