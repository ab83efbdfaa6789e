"""The digital twin: a patient's trajectory under control, from the baseline.

    digital_twin.py  DigitalTwin: settings, fit, predictions, sampling, save/load
    baseline.py      the baseline design (standardised numerics, one-hot categories, extrapolation warnings)
    linear.py        the linear visit model (multivariate regression, missing visits by EM)
    neural.py        the neural visit + event model (torch, trained through the shared TrainingLoop)
    survival.py      the Weibull AFT event model and the reverse-KM censoring summary
    known.py         LinearGaussianTwin: a twin with known parameters (tests, benchmarks, reference)
"""

from .digital_twin import DigitalTwin, load_twin
from .known import LinearGaussianTwin

__all__ = ["DigitalTwin", "LinearGaussianTwin", "load_twin"]
